#include "bench/collector/load_alerts.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/splitmix.h"

namespace otasuke::collector::bench {

AlertFactory::AlertFactory(int64_t new_incident_every, int uuid_version)
    : new_incident_every_(new_incident_every),
      uuid_version_(uuid_version),
      run_id_((uint64_t{std::random_device{}()} << 32) | std::random_device{}()) {
  v1::Alert& a = template_;
  a.mutable_rule()->set_engine(v1::ENGINE_SIGMA);
  a.mutable_rule()->set_rule_id("load-steady");
  a.mutable_rule()->set_revision(1);
  a.mutable_rule()->set_ruleset_version("2026-11-22");
  a.set_severity(v1::SEVERITY_MEDIUM);
  a.set_title("Script run from a temporary directory");
  a.mutable_explanation()->set_ja("一時フォルダからスクリプトが実行されました。");
  a.mutable_explanation()->set_en("A script was run from a temporary directory.");
  a.mutable_next_step()->set_ja("心当たりがなければサポートに連絡してください。");
  a.mutable_next_step()->set_en("If you did not expect this, call your helper team.");
  a.add_mitre_attack("T1059.004");
  v1::ProcessEvidence& p = *a.mutable_process();
  p.set_pid(4242);
  p.set_ppid(4200);
  p.set_image("/usr/bin/bash");
  p.set_command_line("bash /tmp/.cache/x.sh --quiet --no-profile");
  p.set_current_directory("/home/yamada");
  p.set_user("yamada");
  p.set_parent_image("/usr/bin/python3");
  p.set_parent_command_line("python3 /home/yamada/Downloads/invoice.py");
}

std::string AlertFactory::FormatUuid(uint64_t n, absl::Time created) const {
  // The agent's layouts (version 7: Unix milliseconds first, so the collector's UUID index
  // grows at its end; version 4: random, a random index leaf per alert), with bits that are far
  // cheaper than the CSPRNG: the generator shares the two cores with the collector it measures.
  uint64_t hi = SplitMix64(run_id_ ^ n);
  uint64_t lo = SplitMix64(~run_id_ ^ n);
  if (uuid_version_ == 7) {
    uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(created));
    hi = (millis << 16) | (hi & 0xffff);
  }
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%d%03x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                uuid_version_, static_cast<unsigned>(hi & 0xfff),
                static_cast<unsigned>(0x8000 | (lo >> 50)),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return text;
}

void AlertFactory::Fill(uint64_t sequence, const std::string& hostname, absl::Time created,
                        v1::Alert* alert) {
  uint64_t n = made_.fetch_add(1, std::memory_order_relaxed);
  alert->CopyFrom(template_);
  alert->set_uuid(FormatUuid(n, created));
  alert->set_sequence(sequence);
  alert->set_hostname(hostname);
  int64_t seconds = absl::ToUnixSeconds(created);
  int32_t nanos =
      static_cast<int32_t>(absl::ToInt64Nanoseconds(created - absl::FromUnixSeconds(seconds)));
  for (google::protobuf::Timestamp* ts :
       {alert->mutable_event_time(), alert->mutable_detection_time()}) {
    ts->set_seconds(seconds);
    ts->set_nanos(nanos);
  }
  if (new_incident_every_ <= 0) return;
  if (n % static_cast<uint64_t>(new_incident_every_) != 0) return;
  alert->mutable_rule()->set_rule_id(absl::StrCat("load-new-", n));
  alert->mutable_process()->set_pid(static_cast<int64_t>(100000 + n));
  alert->mutable_process()->set_ppid(static_cast<int64_t>(100000 + n + 1));
  absl::MutexLock lock(&mu_);
  marked_.emplace(alert->uuid(), created);
  ++marked_count_;
}

void AlertFactory::OnNotification(std::string_view body, absl::Time received) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("alert")) return;
  const nlohmann::json& uuid = json["alert"]["uuid"];
  if (!uuid.is_string()) return;
  absl::MutexLock lock(&mu_);
  auto it = marked_.find(uuid.get<std::string>());
  if (it == marked_.end()) return;
  notify_latency_us_.push_back(
      static_cast<int32_t>(absl::ToInt64Microseconds(received - it->second)));
  marked_.erase(it);
}

int64_t AlertFactory::marked() const {
  absl::MutexLock lock(&mu_);
  return marked_count_;
}

int64_t AlertFactory::notified() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(notify_latency_us_.size());
}

std::vector<int32_t> AlertFactory::TakeNotificationLatencies() {
  absl::MutexLock lock(&mu_);
  return std::move(notify_latency_us_);
}

int32_t Percentile(std::vector<int32_t>& samples, double percent) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t rank =
      static_cast<size_t>(percent / 100.0 * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[std::min(rank, samples.size() - 1)];
}

}  // namespace otasuke::collector::bench
