#pragma once
// The incident rows that dispatch and the hand-driven workflow both change, as small functions
// over one connection inside the caller's transaction: read an incident, move its state with a
// stamped transition, (re)assign it, run its acknowledge timer, queue a notification and record
// a dispatch attempt. One place for each write, so dispatch and otasukectl cannot drift apart.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/store/sqlite_db.h"
#include "collector/tenancy/model.h"
#include "otasuke/v1/console_service.pb.h"

namespace otasuke::collector::dispatch {

struct IncidentRow {
  int64_t id = 0;
  std::string tenant_id;
  std::string hostname;
  v1::IncidentState state = v1::INCIDENT_STATE_NEW;
  v1::Severity severity = v1::SEVERITY_UNSPECIFIED;
  v1::Engine engine = v1::ENGINE_UNSPECIFIED;
  int64_t assignee_id = 0;  // 0: nobody
  int escalation_level = 0;
  int64_t merged_into = 0;  // 0: not merged
  int64_t alert_count = 0;
};

// One row of incident_transitions. A note without a state change has from_state == to_state.
struct Transition {
  int64_t id = 0;
  int64_t incident_id = 0;
  std::string from_state;
  std::string to_state;
  absl::Time at;
  std::string actor;
  std::string note;
};

// One row of dispatch_attempts: who was tried at which escalation level, and what happened.
struct DispatchAttempt {
  int64_t incident_id = 0;
  int level = 0;
  int64_t responder_id = 0;  // 0: nobody could be tried
  absl::Time at;
  std::string outcome;  // notified, no_channel, escalated, below_threshold, no_one_on_call, ...
  int64_t notification_id = 0;
  std::string detail;
  std::string responder;  // handle (read only)
};

// One row of ack_timers: when the incident escalates unless acknowledged.
struct AckTimer {
  absl::Time due_at;
  int level = 0;
};

// The contract terms an incident is held to (table incident_terms): the tenant's when the
// incident was first dispatched or assigned, kept so that editing the contract later does not
// move its acknowledge timers.
struct ContractTerms {
  tenancy::AckSla ack_sla;
  v1::Severity dispatch_threshold = v1::SEVERITY_MEDIUM;
};

bool IsClosed(v1::IncidentState state);

// The terms incident `incident_id` is held to; on first use, `current`'s terms, stored.
absl::StatusOr<ContractTerms> HeldTerms(SqliteDb& db, int64_t incident_id,
                                        const tenancy::Tenant& current);

// NotFound "unknown incident #<id>": an unused id, and what a viewer gets for another tenant's
// incident.
absl::Status UnknownIncidentError(int64_t id);
// UnknownIncidentError for an unused id.
absl::StatusOr<IncidentRow> ReadIncident(SqliteDb& db, int64_t id);
absl::Status RecordTransition(SqliteDb& db, int64_t incident_id, v1::IncidentState from,
                              v1::IncidentState to, absl::Time at, std::string_view actor,
                              std::string_view note);
absl::Status SetState(SqliteDb& db, int64_t incident_id, v1::IncidentState state);
absl::Status SetAssignee(SqliteDb& db, int64_t incident_id, int64_t responder_id, int level);
absl::Status StartAckTimer(SqliteDb& db, int64_t incident_id, absl::Time due, int level);
absl::Status StopAckTimer(SqliteDb& db, int64_t incident_id);
// Queues a webhook notification of the incident to the responder; 0 when the responder has no
// webhook (the attempt is then recorded as no_channel, and escalation still runs).
absl::StatusOr<int64_t> QueueNotification(SqliteDb& db, int64_t incident_id,
                                          const tenancy::Responder& responder, absl::Time at);
absl::Status RecordAttempt(SqliteDb& db, const DispatchAttempt& attempt);

absl::StatusOr<std::vector<Transition>> ReadTransitions(SqliteDb& db, int64_t incident_id);
absl::StatusOr<std::vector<DispatchAttempt>> ReadAttempts(SqliteDb& db, int64_t incident_id);
absl::StatusOr<std::optional<AckTimer>> ReadAckTimer(SqliteDb& db, int64_t incident_id);

}  // namespace otasuke::collector::dispatch
