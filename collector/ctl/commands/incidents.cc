// otasukectl incidents list | show | ack | assign | note | advance | resolve | merge | split.

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "collector/notify/payload.h"
#include "google/protobuf/util/time_util.h"
#include "otasuke/v1/console_service.grpc.pb.h"
#include "otasuke/v1/incident_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

using Stub = v1::IncidentService::Stub;

// "acknowledged" -> INCIDENT_STATE_ACKNOWLEDGED; false for an unknown name.
bool ParseState(const std::string& name, v1::IncidentState* state) {
  return v1::IncidentState_Parse("INCIDENT_STATE_" + absl::AsciiStrToUpper(name), state) &&
         *state != v1::INCIDENT_STATE_UNSPECIFIED;
}

bool ParseSeverity(const std::string& name, v1::Severity* severity) {
  return v1::Severity_Parse("SEVERITY_" + absl::AsciiStrToUpper(name), severity) &&
         *severity != v1::SEVERITY_UNSPECIFIED;
}

// An incident id; 0 when `text` is not a positive number.
int64_t IncidentId(const std::string& text) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(text, &id) || id <= 0) return 0;
  return id;
}

void PrintDetail(const v1::IncidentDetail& d) {
  const v1::Incident& i = d.incident();
  std::cout << "incident " << i.id() << " (" << collector::IncidentStateName(i.state()) << ", "
            << collector::SeverityName(i.severity()) << ")\n  title:     " << i.title()
            << "\n  tenant:    " << i.tenant_id() << "\n  host:      " << i.hostname()
            << "\n  assignee:  " << OrDash(d.assignee()) << "\n  alerts:    " << i.alert_count()
            << " (" << absl::StrJoin(d.alert_ids(), ", ")
            << ")\n  seen:      " << Time(i.first_seen()) << " .. " << Time(i.last_seen())
            << "\n  ack timer: "
            << (d.has_ack_timer() ? absl::StrCat("due ", Time(d.ack_timer().due_at()), " (",
                                                 d.ack_timer().rung(), ")")
                                  : "-")
            << (d.merged_into() != 0 ? absl::StrCat("\n  merged into #", d.merged_into()) : "")
            << "\n\n";
  Table transitions({"AT", "CHANGE", "BY", "NOTE"});
  for (const v1::IncidentTransition& t : d.transitions()) {
    transitions.AddRow({Time(t.at()),
                        t.from_state() == t.to_state()
                            ? "note"
                            : absl::StrCat(t.from_state(), " -> ", t.to_state()),
                        t.actor(), t.note()});
  }
  std::cout << transitions.Render();
  if (d.attempts().empty()) return;
  Table attempts({"AT", "RUNG", "RESPONDER", "OUTCOME", "DETAIL"});
  for (const v1::DispatchAttempt& a : d.attempts()) {
    attempts.AddRow({Time(a.at()), a.rung(), OrDash(a.responder()), a.outcome(), a.detail()});
  }
  std::cout << "\n" << attempts.Render();
}

int IncidentsList(Invocation& in) {
  v1::ListIncidentsRequest request;
  std::string state, severity, since;
  if (auto stop = in.Parse({TenantFlag(request.mutable_tenant_id()),
                            {"state", "STATE", "only in this state (new, assigned, ...)", &state},
                            {"severity", "SEVERITY", "only at or above this severity", &severity},
                            {"since", "TIME|DURATION",
                             "only seen since: RFC 3339 time or a duration back (24h)", &since},
                            in.LimitFlag()})) {
    return *stop;
  }
  request.set_limit(in.limit());
  v1::IncidentState parsed_state;
  if (!state.empty()) {
    if (!ParseState(state, &parsed_state)) {
      return in.UsageError(absl::StrCat(
          "--state '", state,
          "' is not new, assigned, acknowledged, investigating, contained, resolved or "
          "false_positive"));
    }
    request.set_state(parsed_state);
  }
  v1::Severity parsed_severity;
  if (!severity.empty()) {
    if (!ParseSeverity(severity, &parsed_severity)) {
      return in.UsageError(absl::StrCat("--severity '", severity,
                                        "' is not informational, low, medium, high or critical"));
    }
    request.set_min_severity(parsed_severity);
  }
  if (!since.empty()) {
    absl::Time at;
    absl::Duration back;
    std::string error;
    if (absl::ParseDuration(since, &back) && back > absl::ZeroDuration()) {
      at = absl::Now() - back;
    } else if (!absl::ParseTime(absl::RFC3339_full, since, &at, &error)) {
      return in.UsageError(
          absl::StrCat("--since '", since, "' is neither an RFC 3339 time nor a duration"));
    }
    *request.mutable_since() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(at));
  }
  v1::ListIncidentsResponse response;
  grpc::Status status = in.Call(&v1::ConsoleService::Stub::ListIncidents, request, &response);
  return in.Reply(status, response, [&] {
    Table table({"ID", "SEVERITY", "STATE", "ALERTS", "TENANT", "HOST", "FIRST SEEN", "LAST SEEN",
                 "TITLE"});
    for (const v1::Incident& incident : response.incidents()) {
      table.AddRow({absl::StrCat(incident.id()), collector::SeverityName(incident.severity()),
                    collector::IncidentStateName(incident.state()),
                    absl::StrCat(incident.alert_count()), incident.tenant_id(), incident.hostname(),
                    Time(incident.first_seen()), Time(incident.last_seen()), incident.title()});
    }
    std::cout << table.Render();
  });
}

// The shape of every incident command: ID (and what `fill` adds) -> the incident afterwards.
template <typename Request>
int Act(Invocation& in,
        grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, v1::IncidentDetail*),
        Request& request, int64_t id) {
  if (id == 0) return in.UsageError("give one incident id (a positive number)");
  v1::IncidentDetail response;
  grpc::Status status = in.Call(method, request, &response);
  return in.Reply(status, response, [&] { PrintDetail(response); });
}

cli::FlagSpec NoteFlag(std::string* note) {
  return {"note", "TEXT", "why (kept with the change)", note};
}

int IncidentsShow(Invocation& in) {
  if (auto stop = in.Parse({}, {.min = 1, .max = 1})) return *stop;
  v1::IncidentRef request;
  request.set_id(IncidentId(in.args()[0]));
  return Act(in, &Stub::GetIncident, request, request.id());
}

int IncidentsAck(Invocation& in) {
  v1::IncidentNote request;
  if (auto stop = in.Parse({NoteFlag(request.mutable_note())}, {.min = 1, .max = 1})) {
    return *stop;
  }
  request.set_id(IncidentId(in.args()[0]));
  return Act(in, &Stub::AcknowledgeIncident, request, request.id());
}

int IncidentsNote(Invocation& in) {
  v1::IncidentNote request;
  if (auto stop = in.Parse({NoteFlag(request.mutable_note())}, {.min = 1, .max = 1})) {
    return *stop;
  }
  request.set_id(IncidentId(in.args()[0]));
  return Act(in, &Stub::NoteIncident, request, request.id());
}

int IncidentsAssign(Invocation& in) {
  v1::AssignIncidentRequest request;
  if (auto stop = in.Parse({NoteFlag(request.mutable_note())}, {.min = 2, .max = 2})) {
    return *stop;
  }
  request.set_id(IncidentId(in.args()[0]));
  request.set_responder(in.args()[1]);
  return Act(in, &Stub::AssignIncident, request, request.id());
}

int IncidentsAdvance(Invocation& in) {
  v1::AdvanceIncidentRequest request;
  std::string to;
  if (auto stop = in.Parse({{"to", "STATE", "acknowledged, investigating or contained", &to},
                            NoteFlag(request.mutable_note())},
                           {.min = 1, .max = 1})) {
    return *stop;
  }
  v1::IncidentState state;
  if (!ParseState(to, &state)) {
    return in.UsageError("incidents advance needs --to acknowledged, investigating or contained");
  }
  request.set_id(IncidentId(in.args()[0]));
  request.set_to_state(state);
  return Act(in, &Stub::AdvanceIncident, request, request.id());
}

int IncidentsResolve(Invocation& in) {
  v1::AdvanceIncidentRequest request;
  bool false_positive = false;
  if (auto stop = in.Parse({{"false-positive", "", "close as a false positive", &false_positive},
                            NoteFlag(request.mutable_note())},
                           {.min = 1, .max = 1})) {
    return *stop;
  }
  request.set_id(IncidentId(in.args()[0]));
  request.set_to_state(false_positive ? v1::INCIDENT_STATE_FALSE_POSITIVE
                                      : v1::INCIDENT_STATE_RESOLVED);
  return Act(in, &Stub::AdvanceIncident, request, request.id());
}

int IncidentsMerge(Invocation& in) {
  v1::MergeIncidentsRequest request;
  std::string into;
  if (auto stop = in.Parse({{"into", "ID", "the incident that keeps the alerts", &into},
                            NoteFlag(request.mutable_note())},
                           {.min = 1, .max = 1})) {
    return *stop;
  }
  request.set_from(IncidentId(in.args()[0]));
  request.set_into(IncidentId(into));
  if (request.into() == 0) return in.UsageError("incidents merge needs --into ID");
  return Act(in, &Stub::MergeIncidents, request, request.from());
}

int IncidentsSplit(Invocation& in) {
  v1::SplitIncidentRequest request;
  std::string alerts;
  if (auto stop = in.Parse({{"alerts", "A1,A2", "the alert ids to move (incidents show)", &alerts},
                            NoteFlag(request.mutable_note())},
                           {.min = 1, .max = 1})) {
    return *stop;
  }
  request.set_id(IncidentId(in.args()[0]));
  for (absl::string_view item : absl::StrSplit(alerts, ',', absl::SkipWhitespace())) {
    int64_t alert = 0;
    if (!absl::SimpleAtoi(item, &alert) || alert <= 0) {
      return in.UsageError(absl::StrCat("--alerts: '", item, "' is not an alert id"));
    }
    request.add_alert_ids(alert);
  }
  if (request.alert_ids().empty()) return in.UsageError("incidents split needs --alerts A1,A2");
  return Act(in, &Stub::SplitIncident, request, request.id());
}

}  // namespace

std::span<const Command> IncidentCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "incidents",
       .verb = "list",
       .summary = "List incidents, newest first (filters: tenant, state, severity, since).",
       .run = IncidentsList},
      {.noun = "incidents",
       .verb = "show",
       .args = "ID",
       .summary = "An incident with its alerts, transitions, notes, dispatch and timer.",
       .run = IncidentsShow},
      {.noun = "incidents",
       .verb = "ack",
       .args = "ID",
       .summary = "Acknowledge: stops the escalation timer.",
       .run = IncidentsAck},
      {.noun = "incidents",
       .verb = "assign",
       .args = "ID RESPONDER",
       .summary = "Assign to a responder (restarts the acknowledge timer of a new incident).",
       .run = IncidentsAssign},
      {.noun = "incidents",
       .verb = "note",
       .args = "ID",
       .summary = "Add a note (--note TEXT).",
       .run = IncidentsNote},
      {.noun = "incidents",
       .verb = "advance",
       .args = "ID",
       .summary = "Move forward: --to acknowledged, investigating or contained.",
       .run = IncidentsAdvance},
      {.noun = "incidents",
       .verb = "resolve",
       .args = "ID",
       .summary = "Close as resolved, or as a false positive (--false-positive).",
       .run = IncidentsResolve},
      {.noun = "incidents",
       .verb = "merge",
       .args = "ID",
       .summary = "Move every alert of ID into --into OTHER; ID is closed as merged.",
       .run = IncidentsMerge},
      {.noun = "incidents",
       .verb = "split",
       .args = "ID",
       .summary = "Move --alerts A1,A2 of ID into a new incident.",
       .run = IncidentsSplit},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
