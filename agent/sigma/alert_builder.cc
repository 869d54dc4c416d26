#include "agent/sigma/alert_builder.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "agent/event/event_json.h"
#include "common/strings.h"

namespace otasuke::agent::sigma {
namespace {

int64_t IntField(const Event& e, FieldId id) {
  int64_t v = 0;
  if (!e.Has(id) || !absl::SimpleAtoi(Sv(e.Get(id)), &v)) return 0;
  return v;
}

std::string StrField(const Event& e, FieldId id) { return std::string(e.Get(id)); }

// "SHA1=..,MD5=..,SHA256=.." -> the SHA-256 hex.
std::string Sha256Of(std::string_view hashes) {
  for (absl::string_view part : absl::StrSplit(Sv(hashes), ',')) {
    if (absl::StartsWithIgnoreCase(part, "SHA256=")) return std::string(part.substr(7));
  }
  return "";
}

void FillEvidence(const Event& event, v1::Alert* alert) {
  if (event.time() != absl::InfinitePast()) {
    const int64_t ns = absl::ToUnixNanos(event.time());
    alert->mutable_event_time()->set_seconds(ns / 1000000000);
    alert->mutable_event_time()->set_nanos(static_cast<int32_t>(ns % 1000000000));
  }
  if (event.Has(FieldId::kImage) || event.Has(FieldId::kCommandLine) ||
      event.Has(FieldId::kProcessId)) {
    v1::ProcessEvidence* p = alert->mutable_process();
    p->set_pid(IntField(event, FieldId::kProcessId));
    p->set_ppid(IntField(event, FieldId::kParentProcessId));
    p->set_image(StrField(event, FieldId::kImage));
    p->set_command_line(StrField(event, FieldId::kCommandLine));
    p->set_user(StrField(event, FieldId::kUser));
    p->set_parent_image(StrField(event, FieldId::kParentImage));
    p->set_parent_command_line(StrField(event, FieldId::kParentCommandLine));
    p->set_current_directory(StrField(event, FieldId::kCurrentDirectory));
    p->set_sha256(Sha256Of(event.Get(FieldId::kHashes)));
  }
  if (event.Has(FieldId::kDestinationIp) || event.Has(FieldId::kQueryName)) {
    v1::NetworkEvidence* n = alert->mutable_network();
    n->set_src_ip(StrField(event, FieldId::kSourceIp));
    n->set_src_port(static_cast<uint32_t>(IntField(event, FieldId::kSourcePort)));
    n->set_dest_ip(StrField(event, FieldId::kDestinationIp));
    n->set_dest_port(static_cast<uint32_t>(IntField(event, FieldId::kDestinationPort)));
    std::string transport = StrField(event, FieldId::kProtocol);
    for (char& c : transport) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    n->set_transport(transport);
    n->set_community_id(StrField(event, FieldId::kCommunityId));
    if (event.Has(FieldId::kQueryName)) {
      n->mutable_dns()->set_query(StrField(event, FieldId::kQueryName));
    }
  }
  std::string raw;
  AppendEventJson(event, kSigmaRawEvidenceBytes, &raw);
  alert->set_raw_evidence(std::move(raw));
}

void FillRule(const RuleMeta& meta, const std::string& version, v1::Alert* alert) {
  v1::RuleRef* ref = alert->mutable_rule();
  ref->set_engine(v1::ENGINE_SIGMA);
  ref->set_rule_id(meta.id.empty() ? meta.title : meta.id);
  ref->set_ruleset_version(version);
  alert->set_severity(meta.severity);
  alert->set_title(meta.title);
  for (const std::string& t : meta.mitre) alert->add_mitre_attack(t);
  *alert->mutable_explanation() = meta.explanation;
  *alert->mutable_next_step() = meta.next_step;
  // Rules without SME text still tell the owner what fired, in the rule's own words.
  if (alert->explanation().en().empty()) {
    alert->mutable_explanation()->set_en(meta.description.empty() ? meta.title : meta.description);
  }
}

}  // namespace

void BuildRuleAlert(const RuleMeta& meta, const std::string& ruleset_version, const Event& event,
                    v1::Alert* alert) {
  FillRule(meta, ruleset_version, alert);
  FillEvidence(event, alert);
}

void BuildCorrelationAlert(const CorrelationRule& rule, const CorrelationHit& hit,
                           const std::string& ruleset_version, const Event& event,
                           v1::Alert* alert) {
  FillRule(rule.meta, ruleset_version, alert);
  if (!hit.group_key.empty()) {
    alert->set_title(absl::StrCat(rule.meta.title, " (", hit.group_key, ", ", hit.count, ")"));
  }
  FillEvidence(event, alert);
}

}  // namespace otasuke::agent::sigma
