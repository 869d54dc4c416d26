#include "collector/notify/payload.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"

namespace otasuke::collector {
namespace {

// "SEVERITY_HIGH" -> "high" for any enum following the proto naming rule.
std::string EnumSuffix(const std::string& name, std::string_view prefix) {
  std::string suffix = name.size() > prefix.size() ? name.substr(prefix.size()) : name;
  return absl::AsciiStrToLower(suffix);
}

std::string Rfc3339(const google::protobuf::Timestamp& ts) {
  absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace

std::string SeverityName(v1::Severity severity) {
  return EnumSuffix(v1::Severity_Name(severity), "SEVERITY_");
}
std::string IncidentStateName(v1::IncidentState state) {
  return EnumSuffix(v1::IncidentState_Name(state), "INCIDENT_STATE_");
}
std::string EngineName(v1::Engine engine) { return EnumSuffix(v1::Engine_Name(engine), "ENGINE_"); }

std::string IncidentPayloadJson(const NotificationJob& job) {
  const v1::Incident& incident = job.incident;
  const v1::Alert& alert = job.alert;
  nlohmann::json body = {
      {"event", "incident.created"},
      {"notification_id", job.id},
      {"incident_id", incident.id()},
      {"dedup_key", incident.dedup_key()},
      {"tenant_id", incident.tenant_id()},
      {"hostname", incident.hostname()},
      {"user", alert.process().user()},
      {"severity", SeverityName(incident.severity())},
      {"title", incident.title()},
      {"first_seen", Rfc3339(incident.first_seen())},
      {"alert_count", incident.alert_count()},
      {"rule",
       {{"engine", EngineName(incident.rule().engine())},
        {"id", incident.rule().rule_id()},
        {"revision", incident.rule().revision()},
        {"ruleset_version", incident.rule().ruleset_version()}}},
      {"explanation", {{"ja", alert.explanation().ja()}, {"en", alert.explanation().en()}}},
      {"next_step", {{"ja", alert.next_step().ja()}, {"en", alert.next_step().en()}}},
      {"mitre_attack", alert.mitre_attack()},
      {"alert",
       {{"uuid", alert.uuid()},
        {"agent_id", alert.agent_id()},
        {"sequence", alert.sequence()},
        {"event_time", Rfc3339(alert.event_time())}}},
  };
  if (alert.has_process()) {
    const v1::ProcessEvidence& p = alert.process();
    body["process"] = {{"pid", p.pid()},
                       {"image", p.image()},
                       {"command_line", p.command_line()},
                       {"user", p.user()},
                       {"parent_image", p.parent_image()}};
  }
  if (alert.has_network()) {
    const v1::NetworkEvidence& n = alert.network();
    body["network"] = {{"src_ip", n.src_ip()},       {"src_port", n.src_port()},
                       {"dest_ip", n.dest_ip()},     {"dest_port", n.dest_port()},
                       {"transport", n.transport()}, {"community_id", n.community_id()}};
  }
  // Invalid UTF-8 from an agent must not make dump() throw: replace it.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace otasuke::collector
