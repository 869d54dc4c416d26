#include "collector/server/stream_validator.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/uuid.h"

namespace otasuke::collector {
namespace {

// Ids appear in file names, dedup keys and logs: keep them to a safe printable set.
bool IsSafeId(std::string_view id) {
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '@';
    if (!ok) return false;
  }
  return !id.empty();
}

absl::Status CheckId(std::string_view field, std::string_view id, size_t max) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(Sv(field), " is empty"));
  if (id.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(field), " is ", id.size(), " bytes; the limit is ", max));
  }
  if (!IsSafeId(id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(field), " '", Sv(id), "' has characters other than letters, digits and -_.:@"));
  }
  return absl::OkStatus();
}

absl::Status CheckText(std::string_view where, std::string_view field, const std::string& text,
                       size_t max) {
  if (text.size() <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(Sv(where), Sv(field), " is ", text.size(), " bytes; the limit is ", max));
}

// google.protobuf.Timestamp's valid range (0001-01-01 .. 9999-12-31 UTC). The store turns
// times into int64 microseconds; outside this range that overflows.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

absl::Status CheckTimestamp(std::string_view where, std::string_view field,
                            const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds ||
      ts.nanos() < 0 || ts.nanos() > 999999999) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(where), Sv(field), " (", ts.seconds(), " s, ",
                                                   ts.nanos(), " ns) is outside years 1..9999"));
  }
  return absl::OkStatus();
}

constexpr int kMaxMitreTags = 64;
constexpr int kMaxDropCounters = 16;

// Every string of an Alert with its byte cap (0: StreamLimits::max_text_bytes). A field added
// to alert.proto gets a row here (the validator test checks each row is enforced).
struct AlertTextField {
  std::string_view name;
  size_t max;
  const std::string& (*get)(const v1::Alert&);
};
constexpr size_t kShort = 256;  // names, addresses, hashes, protocol tokens
constexpr AlertTextField kAlertTextFields[] = {
    {"hostname", 255, [](const v1::Alert& a) -> const std::string& { return a.hostname(); }},
    {"rule.rule_id", 256,
     [](const v1::Alert& a) -> const std::string& { return a.rule().rule_id(); }},
    {"rule.ruleset_version", 128,
     [](const v1::Alert& a) -> const std::string& { return a.rule().ruleset_version(); }},
    {"title", 1024, [](const v1::Alert& a) -> const std::string& { return a.title(); }},
    {"explanation.ja", 0,
     [](const v1::Alert& a) -> const std::string& { return a.explanation().ja(); }},
    {"explanation.en", 0,
     [](const v1::Alert& a) -> const std::string& { return a.explanation().en(); }},
    {"next_step.ja", 0,
     [](const v1::Alert& a) -> const std::string& { return a.next_step().ja(); }},
    {"next_step.en", 0,
     [](const v1::Alert& a) -> const std::string& { return a.next_step().en(); }},
    {"process.image", 4096,
     [](const v1::Alert& a) -> const std::string& { return a.process().image(); }},
    {"process.command_line", 0,
     [](const v1::Alert& a) -> const std::string& { return a.process().command_line(); }},
    {"process.user", kShort,
     [](const v1::Alert& a) -> const std::string& { return a.process().user(); }},
    {"process.parent_image", 4096,
     [](const v1::Alert& a) -> const std::string& { return a.process().parent_image(); }},
    {"process.parent_command_line", 0,
     [](const v1::Alert& a) -> const std::string& { return a.process().parent_command_line(); }},
    {"process.current_directory", 4096,
     [](const v1::Alert& a) -> const std::string& { return a.process().current_directory(); }},
    {"process.sha256", 64,
     [](const v1::Alert& a) -> const std::string& { return a.process().sha256(); }},
    {"network.src_ip", 64,
     [](const v1::Alert& a) -> const std::string& { return a.network().src_ip(); }},
    {"network.dest_ip", 64,
     [](const v1::Alert& a) -> const std::string& { return a.network().dest_ip(); }},
    {"network.transport", 32,
     [](const v1::Alert& a) -> const std::string& { return a.network().transport(); }},
    {"network.app_proto", 32,
     [](const v1::Alert& a) -> const std::string& { return a.network().app_proto(); }},
    {"network.community_id", 128,
     [](const v1::Alert& a) -> const std::string& { return a.network().community_id(); }},
    {"network.http.method", 32,
     [](const v1::Alert& a) -> const std::string& { return a.network().http().method(); }},
    {"network.http.uri", 0,
     [](const v1::Alert& a) -> const std::string& { return a.network().http().uri(); }},
    {"network.http.host", kShort,
     [](const v1::Alert& a) -> const std::string& { return a.network().http().host(); }},
    {"network.http.user_agent", 0,
     [](const v1::Alert& a) -> const std::string& { return a.network().http().user_agent(); }},
    {"network.dns.query", kShort,
     [](const v1::Alert& a) -> const std::string& { return a.network().dns().query(); }},
    {"network.dns.rrtype", 32,
     [](const v1::Alert& a) -> const std::string& { return a.network().dns().rrtype(); }},
    {"network.tls.sni", kShort,
     [](const v1::Alert& a) -> const std::string& { return a.network().tls().sni(); }},
    {"network.tls.ja3", kShort,
     [](const v1::Alert& a) -> const std::string& { return a.network().tls().ja3(); }},
    {"network.tls.ja4", kShort,
     [](const v1::Alert& a) -> const std::string& { return a.network().tls().ja4(); }},
};

}  // namespace

std::vector<std::string_view> AlertTextFieldNamesForTest() {
  std::vector<std::string_view> names;
  for (const AlertTextField& field : kAlertTextFields) names.push_back(field.name);
  return names;
}

absl::Status StreamValidator::CheckHello(const v1::Hello& hello) const {
  RETURN_IF_ERROR(CheckId("Hello.agent_id", hello.agent_id(), limits_.max_id_bytes));
  RETURN_IF_ERROR(CheckId("Hello.tenant_id", hello.tenant_id(), limits_.max_id_bytes));
  RETURN_IF_ERROR(CheckText("Hello.", "hostname", hello.hostname(), 255));
  RETURN_IF_ERROR(CheckText("Hello.", "os", hello.os(), 256));
  RETURN_IF_ERROR(CheckText("Hello.", "agent_version", hello.agent_version(), 128));
  RETURN_IF_ERROR(CheckText("Hello.", "ruleset_version", hello.ruleset_version(), 128));
  if (!v1::Profile_IsValid(hello.profile())) {
    return absl::InvalidArgumentError(
        absl::StrCat("Hello.profile ", hello.profile(), " is not a known profile"));
  }
  return absl::OkStatus();
}

absl::Status StreamValidator::CheckAlert(v1::Alert& alert, int index) {
  std::string where = absl::StrCat("alert[", index, "] (sequence ", alert.sequence(), ").");
  if (alert.sequence() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, "sequence must start at 1"));
  }
  if (alert.sequence() <= last_sequence_) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "sequence is not above the previous one on this stream (",
                     last_sequence_, "); sequences must strictly increase"));
  }
  if (!IsUuid(alert.uuid())) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "uuid '", alert.uuid().substr(0, 64), "' is not a UUID"));
  }
  const v1::Hello& hello = *hello_;
  if (!alert.agent_id().empty() && alert.agent_id() != hello.agent_id()) {
    return absl::PermissionDeniedError(absl::StrCat(where, "agent_id '", alert.agent_id(),
                                                    "' differs from the stream's agent '",
                                                    hello.agent_id(), "'"));
  }
  if (!alert.tenant_id().empty() && alert.tenant_id() != hello.tenant_id()) {
    return absl::PermissionDeniedError(absl::StrCat(where, "tenant_id '", alert.tenant_id(),
                                                    "' differs from the stream's tenant '",
                                                    hello.tenant_id(), "'"));
  }
  if (!v1::Severity_IsValid(alert.severity())) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "severity ", alert.severity(), " is not a known severity"));
  }
  if (!v1::Engine_IsValid(alert.rule().engine())) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "rule.engine ", alert.rule().engine(), " is not a known engine"));
  }
  RETURN_IF_ERROR(CheckTimestamp(where, "event_time", alert.event_time()));
  RETURN_IF_ERROR(CheckTimestamp(where, "detection_time", alert.detection_time()));
  for (const AlertTextField& field : kAlertTextFields) {
    RETURN_IF_ERROR(CheckText(where, field.name, field.get(alert),
                              field.max != 0 ? field.max : limits_.max_text_bytes));
  }
  RETURN_IF_ERROR(
      CheckText(where, "raw_evidence", alert.raw_evidence(), limits_.max_raw_evidence_bytes));
  if (alert.mitre_attack_size() > kMaxMitreTags) {
    return absl::InvalidArgumentError(absl::StrCat(where, "has ", alert.mitre_attack_size(),
                                                   " MITRE ATT&CK tags; the limit is ",
                                                   kMaxMitreTags));
  }
  for (const std::string& tag : alert.mitre_attack()) {
    RETURN_IF_ERROR(CheckText(where, "mitre_attack[]", tag, 64));
  }
  alert.set_agent_id(hello.agent_id());
  alert.set_tenant_id(hello.tenant_id());
  if (alert.hostname().empty()) alert.set_hostname(hello.hostname());
  last_sequence_ = alert.sequence();
  return absl::OkStatus();
}

absl::Status StreamValidator::Accept(v1::AgentMessage& message) {
  switch (message.msg_case()) {
    case v1::AgentMessage::kHello:
      if (hello_.has_value()) {
        return absl::FailedPreconditionError("a second Hello on the same stream");
      }
      RETURN_IF_ERROR(CheckHello(message.hello()));
      hello_ = message.hello();
      return absl::OkStatus();
    case v1::AgentMessage::MSG_NOT_SET:
      return absl::InvalidArgumentError("empty AgentMessage (no Hello, alerts or heartbeat)");
    default:
      break;
  }
  if (!hello_.has_value()) {
    return absl::FailedPreconditionError("the first message of a stream must be Hello");
  }
  switch (message.msg_case()) {
    case v1::AgentMessage::kAlerts: {
      v1::AlertBatch& batch = *message.mutable_alerts();
      if (batch.alerts_size() == 0) return absl::InvalidArgumentError("empty AlertBatch");
      if (batch.alerts_size() > limits_.max_alerts_per_batch) {
        return absl::InvalidArgumentError(absl::StrCat("AlertBatch has ", batch.alerts_size(),
                                                       " alerts; the limit is ",
                                                       limits_.max_alerts_per_batch));
      }
      for (int i = 0; i < batch.alerts_size(); ++i) {
        RETURN_IF_ERROR(CheckAlert(*batch.mutable_alerts(i), i));
      }
      return absl::OkStatus();
    }
    case v1::AgentMessage::kHeartbeat: {
      const v1::Heartbeat& heartbeat = message.heartbeat();
      if (heartbeat.alerts_dropped_size() > kMaxDropCounters) {
        return absl::InvalidArgumentError(
            absl::StrCat("Heartbeat has ", heartbeat.alerts_dropped_size(),
                         " drop counters; the limit is ", kMaxDropCounters));
      }
      for (const v1::DropCount& drop : heartbeat.alerts_dropped()) {
        if (!v1::DropReason_IsValid(drop.reason())) {
          return absl::InvalidArgumentError(
              absl::StrCat("Heartbeat.alerts_dropped reason ", drop.reason(), " is not known"));
        }
      }
      return CheckText("Heartbeat.", "ruleset_version", heartbeat.ruleset_version(), 128);
    }
    case v1::AgentMessage::kRulesetStatus:
      RETURN_IF_ERROR(
          CheckText("RuleSetStatus.", "version", message.ruleset_status().version(), 128));
      return CheckText("RuleSetStatus.", "error", message.ruleset_status().error(),
                       limits_.max_text_bytes);
    default:
      return absl::InvalidArgumentError("unknown AgentMessage type");
  }
}

}  // namespace otasuke::collector
