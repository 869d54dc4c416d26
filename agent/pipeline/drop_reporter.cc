#include "agent/pipeline/drop_reporter.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"

namespace otasuke::agent {

bool DropReporter::Poll() {
  const absl::Time now = clock_.Now();
  if (now - last_emitted_ < min_interval_) return false;
  std::array<uint64_t, kReasons.size()> current{};
  uint64_t total = 0;
  std::vector<std::string> parts;
  for (size_t i = 0; i < kReasons.size(); ++i) {
    current[i] = counters_.drops(kReasons[i]);
    const uint64_t delta = current[i] - reported_[i];
    if (delta == 0) continue;
    total += delta;
    parts.push_back(absl::StrCat(otasuke::v1::DropReason_Name(kReasons[i]), "=", delta));
  }
  if (total == 0) return false;
  // Counted as reported before emitting: if the meta-alert itself is dropped, that drop is
  // reported by the next one, not in a loop.
  reported_ = current;
  last_emitted_ = now;
  const std::string reasons = absl::StrJoin(parts, ", ");
  LOG_WARN("%d alerts dropped since the last report (%s): raising %s", total, reasons,
           kAlertsDroppedRuleId);
  otasuke::v1::Alert alert;
  alert.mutable_rule()->set_engine(otasuke::v1::ENGINE_AGENT);
  alert.mutable_rule()->set_rule_id(kAlertsDroppedRuleId);
  // High, so that it gets into a spool full of high alerts (evicting the oldest one).
  alert.set_severity(otasuke::v1::SEVERITY_HIGH);
  alert.set_title(absl::StrCat("Otasuke agent dropped ", total, " alerts (", reasons, ")"));
  alert.mutable_explanation()->set_ja(
      absl::StrCat("このパソコンの Otasuke エージェントが、保存できなかった警告を ", total,
                   " 件破棄しました。通信が長く途切れたか、ディスクの保存枠がいっぱいになった可能性"
                   "があります。"));
  alert.mutable_explanation()->set_en(absl::StrCat(
      "The Otasuke agent on this machine discarded ", total,
      " alerts it could not keep, most likely after a long loss of connection or because its "
      "disk budget was full."));
  alert.mutable_next_step()->set_ja("対応は不要です。担当者が状況を確認します。");
  alert.mutable_next_step()->set_en("Nothing to do for you: the responder will check the agent.");
  alert.set_raw_evidence(reasons);
  sink_.Emit(std::move(alert));
  return true;
}

}  // namespace otasuke::agent
