#include "collector/dispatch/incident_records.h"

#include "absl/strings/str_cat.h"
#include "collector/notify/payload.h"
#include "common/status_macros.h"

namespace otasuke::collector::dispatch {

bool IsClosed(v1::IncidentState state) {
  return state == v1::INCIDENT_STATE_RESOLVED || state == v1::INCIDENT_STATE_FALSE_POSITIVE;
}

absl::StatusOr<ContractTerms> HeldTerms(SqliteDb& db, int64_t incident_id,
                                        const tenancy::Tenant& current) {
  ASSIGN_OR_RETURN(Stmt held, db.Prepare("SELECT dispatch_threshold, ack_critical_s, ack_high_s, "
                                         "ack_medium_s, ack_low_s FROM incident_terms WHERE "
                                         "incident_id = ?"));
  held.Bind(1, incident_id);
  ASSIGN_OR_RETURN(bool found, held.Step());
  if (found) {
    return ContractTerms{.ack_sla = {.critical = absl::Seconds(held.Int(1)),
                                     .high = absl::Seconds(held.Int(2)),
                                     .medium = absl::Seconds(held.Int(3)),
                                     .low = absl::Seconds(held.Int(4))},
                         .dispatch_threshold = static_cast<v1::Severity>(held.Int(0))};
  }
  const ContractTerms terms{.ack_sla = current.ack_sla,
                            .dispatch_threshold = current.dispatch_threshold};
  ASSIGN_OR_RETURN(Stmt store, db.Prepare("INSERT INTO incident_terms (incident_id, "
                                          "dispatch_threshold, ack_critical_s, ack_high_s, "
                                          "ack_medium_s, ack_low_s) VALUES (?, ?, ?, ?, ?, ?)"));
  RETURN_IF_ERROR(store.Bind(1, incident_id)
                      .Bind(2, static_cast<int64_t>(terms.dispatch_threshold))
                      .Bind(3, absl::ToInt64Seconds(terms.ack_sla.critical))
                      .Bind(4, absl::ToInt64Seconds(terms.ack_sla.high))
                      .Bind(5, absl::ToInt64Seconds(terms.ack_sla.medium))
                      .Bind(6, absl::ToInt64Seconds(terms.ack_sla.low))
                      .Run());
  return terms;
}

absl::Status UnknownIncidentError(int64_t id) {
  return absl::NotFoundError(absl::StrCat("unknown incident #", id));
}

absl::StatusOr<IncidentRow> ReadIncident(SqliteDb& db, int64_t id) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("SELECT id, tenant_id, hostname, state, severity, "
                                         "rule_engine, COALESCE(assignee_id, 0), "
                                         "escalation_level, COALESCE(merged_into, 0), "
                                         "alert_count FROM incidents WHERE id = ?"));
  stmt.Bind(1, id);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return UnknownIncidentError(id);
  IncidentRow row;
  row.id = stmt.Int(0);
  row.tenant_id = stmt.Text(1);
  row.hostname = stmt.Text(2);
  row.state = static_cast<v1::IncidentState>(stmt.Int(3));
  row.severity = static_cast<v1::Severity>(stmt.Int(4));
  row.engine = static_cast<v1::Engine>(stmt.Int(5));
  row.assignee_id = stmt.Int(6);
  row.escalation_level = static_cast<int>(stmt.Int(7));
  row.merged_into = stmt.Int(8);
  row.alert_count = stmt.Int(9);
  return row;
}

absl::Status RecordTransition(SqliteDb& db, int64_t incident_id, v1::IncidentState from,
                              v1::IncidentState to, absl::Time at, std::string_view actor,
                              std::string_view note) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("INSERT INTO incident_transitions (incident_id, "
                                         "from_state, to_state, at, actor, note) VALUES (?, ?, "
                                         "?, ?, ?, ?)"));
  return stmt.Bind(1, incident_id)
      .Bind(2, IncidentStateName(from))
      .Bind(3, IncidentStateName(to))
      .Bind(4, ToMicros(at))
      .Bind(5, actor)
      .Bind(6, note)
      .Run();
}

absl::Status SetState(SqliteDb& db, int64_t incident_id, v1::IncidentState state) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("UPDATE incidents SET state = ? WHERE id = ?"));
  return stmt.Bind(1, static_cast<int64_t>(state)).Bind(2, incident_id).Run();
}

absl::Status SetAssignee(SqliteDb& db, int64_t incident_id, int64_t responder_id, int level) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("UPDATE incidents SET assignee_id = ?, escalation_level "
                                         "= ? WHERE id = ?"));
  return stmt.Bind(1, responder_id).Bind(2, level).Bind(3, incident_id).Run();
}

absl::Status StartAckTimer(SqliteDb& db, int64_t incident_id, absl::Time due, int level) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("INSERT INTO ack_timers (incident_id, due_at, level) "
                                         "VALUES (?1, ?2, ?3) ON CONFLICT(incident_id) DO UPDATE "
                                         "SET due_at = ?2, level = ?3"));
  return stmt.Bind(1, incident_id).Bind(2, ToMicros(due)).Bind(3, level).Run();
}

absl::Status StopAckTimer(SqliteDb& db, int64_t incident_id) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("DELETE FROM ack_timers WHERE incident_id = ?"));
  return stmt.Bind(1, incident_id).Run();
}

absl::StatusOr<int64_t> QueueNotification(SqliteDb& db, int64_t incident_id,
                                          const tenancy::Responder& responder, absl::Time at) {
  if (responder.webhook.empty()) return 0;
  ASSIGN_OR_RETURN(Stmt stmt,
                   db.Prepare("INSERT INTO notifications (incident_id, alert_id, responder_id, "
                              "channel, target, state, next_attempt_at, created_at, updated_at) "
                              "SELECT ?1, MIN(a.id), ?2, 'webhook', ?3, 'pending', ?4, ?4, ?4 "
                              "FROM alerts a WHERE a.incident_id = ?1 HAVING MIN(a.id) IS NOT "
                              "NULL"));
  RETURN_IF_ERROR(stmt.Bind(1, incident_id)
                      .Bind(2, responder.id)
                      .Bind(3, responder.webhook)
                      .Bind(4, ToMicros(at))
                      .Run());
  if (db.Changes() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("incident #", incident_id, " has no alert to describe in a notification"));
  }
  return db.LastInsertRowId();
}

absl::Status RecordAttempt(SqliteDb& db, const DispatchAttempt& a) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("INSERT INTO dispatch_attempts (incident_id, level, "
                                         "responder_id, at, outcome, notification_id, detail) "
                                         "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  stmt.Bind(1, a.incident_id).Bind(2, a.level);
  if (a.responder_id != 0) {
    stmt.Bind(3, a.responder_id);
  } else {
    stmt.BindNull(3);
  }
  stmt.Bind(4, ToMicros(a.at)).Bind(5, a.outcome);
  if (a.notification_id != 0) {
    stmt.Bind(6, a.notification_id);
  } else {
    stmt.BindNull(6);
  }
  return stmt.Bind(7, a.detail).Run();
}

absl::StatusOr<std::vector<Transition>> ReadTransitions(SqliteDb& db, int64_t incident_id) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("SELECT id, incident_id, from_state, to_state, at, "
                                         "actor, note FROM incident_transitions WHERE "
                                         "incident_id = ? ORDER BY id"));
  stmt.Bind(1, incident_id);
  std::vector<Transition> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({.id = stmt.Int(0),
                   .incident_id = stmt.Int(1),
                   .from_state = stmt.Text(2),
                   .to_state = stmt.Text(3),
                   .at = FromMicros(stmt.Int(4)),
                   .actor = stmt.Text(5),
                   .note = stmt.Text(6)});
  }
  return out;
}

absl::StatusOr<std::vector<DispatchAttempt>> ReadAttempts(SqliteDb& db, int64_t incident_id) {
  ASSIGN_OR_RETURN(Stmt stmt,
                   db.Prepare("SELECT d.incident_id, d.level, COALESCE(d.responder_id, 0), d.at, "
                              "d.outcome, COALESCE(d.notification_id, 0), d.detail, "
                              "COALESCE(r.handle, '') FROM dispatch_attempts d LEFT JOIN "
                              "responders r ON r.id = d.responder_id WHERE d.incident_id = ? "
                              "ORDER BY d.id"));
  stmt.Bind(1, incident_id);
  std::vector<DispatchAttempt> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({.incident_id = stmt.Int(0),
                   .level = static_cast<int>(stmt.Int(1)),
                   .responder_id = stmt.Int(2),
                   .at = FromMicros(stmt.Int(3)),
                   .outcome = stmt.Text(4),
                   .notification_id = stmt.Int(5),
                   .detail = stmt.Text(6),
                   .responder = stmt.Text(7)});
  }
  return out;
}

absl::StatusOr<std::optional<AckTimer>> ReadAckTimer(SqliteDb& db, int64_t incident_id) {
  ASSIGN_OR_RETURN(Stmt stmt,
                   db.Prepare("SELECT due_at, level FROM ack_timers WHERE incident_id = ?"));
  stmt.Bind(1, incident_id);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::nullopt;
  return AckTimer{.due_at = FromMicros(stmt.Int(0)), .level = static_cast<int>(stmt.Int(1))};
}

}  // namespace otasuke::collector::dispatch
