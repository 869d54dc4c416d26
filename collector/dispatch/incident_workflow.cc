#include "collector/dispatch/incident_workflow.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "collector/notify/payload.h"
#include "collector/store/audit_log.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector::dispatch {
namespace {

std::string StateName(v1::IncidentState state) { return IncidentStateName(state); }

}  // namespace

absl::StatusOr<std::unique_ptr<IncidentWorkflow>> IncidentWorkflow::Open(
    const std::string& path, tenancy::TenantDirectory& directory, const IncidentGrouper& grouper,
    const Clock& clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, {}));
  return std::unique_ptr<IncidentWorkflow>(
      new IncidentWorkflow(std::move(db), directory, grouper, clock));
}

absl::StatusOr<IncidentDetail> IncidentWorkflow::Get(int64_t id) {
  absl::MutexLock lock(&mu_);
  IncidentDetail detail;
  ASSIGN_OR_RETURN(detail.row, ReadIncident(*db_, id));
  if (detail.row.assignee_id != 0) {
    ASSIGN_OR_RETURN(tenancy::Responder assignee,
                     directory_.GetResponderById(detail.row.assignee_id));
    detail.assignee = assignee.handle;
  }
  ASSIGN_OR_RETURN(detail.transitions, ReadTransitions(*db_, id));
  ASSIGN_OR_RETURN(detail.attempts, ReadAttempts(*db_, id));
  ASSIGN_OR_RETURN(detail.ack_timer, ReadAckTimer(*db_, id));
  ASSIGN_OR_RETURN(Stmt alerts, db_->Prepare("SELECT id FROM alerts WHERE incident_id = ? ORDER "
                                             "BY id"));
  alerts.Bind(1, id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, alerts.Step());
    if (!row) break;
    detail.alert_ids.push_back(alerts.Int(0));
  }
  return detail;
}

absl::StatusOr<IncidentRow> IncidentWorkflow::OpenIncident(int64_t id) {
  ASSIGN_OR_RETURN(IncidentRow incident, ReadIncident(*db_, id));
  if (IsClosed(incident.state)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "incident #", id, " is ", StateName(incident.state),
        incident.merged_into != 0 ? absl::StrCat(" (merged into #", incident.merged_into, ")") : "",
        ": closed incidents do not change"));
  }
  return incident;
}

absl::Status IncidentWorkflow::Move(const IncidentRow& incident, v1::IncidentState to,
                                    std::string_view actor, std::string_view note) {
  RETURN_IF_ERROR(SetState(*db_, incident.id, to));
  RETURN_IF_ERROR(
      RecordTransition(*db_, incident.id, incident.state, to, clock_.Now(), actor, note));
  if (to != v1::INCIDENT_STATE_ASSIGNED) RETURN_IF_ERROR(StopAckTimer(*db_, incident.id));
  return absl::OkStatus();
}

absl::Status IncidentWorkflow::Audit(const IncidentRow& incident, std::string_view action,
                                     std::string_view actor, std::string_view detail) {
  return AppendAudit(*db_, clock_.Now(),
                     {.actor = actor,
                      .action = action,
                      .tenant_id = incident.tenant_id,
                      .target = absl::StrCat("#", incident.id),
                      .detail = detail});
}

absl::Status IncidentWorkflow::Acknowledge(int64_t id, std::string_view actor,
                                           std::string_view note) {
  absl::MutexLock lock(&mu_);
  return InImmediateTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(IncidentRow incident, OpenIncident(id));
    if (incident.state != v1::INCIDENT_STATE_NEW && incident.state != v1::INCIDENT_STATE_ASSIGNED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "incident #", id, " is already ", StateName(incident.state), ": nothing to acknowledge"));
    }
    RETURN_IF_ERROR(Move(incident, v1::INCIDENT_STATE_ACKNOWLEDGED, actor, note));
    return Audit(incident, "incident.ack", actor, note);
  });
}

absl::Status IncidentWorkflow::Assign(int64_t id, std::string_view handle, std::string_view actor,
                                      std::string_view note) {
  ASSIGN_OR_RETURN(tenancy::Responder responder, directory_.GetResponder(handle));
  if (responder.role == tenancy::Role::kViewer) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", Sv(handle), "' is a viewer and cannot be assigned incidents"));
  }
  absl::MutexLock lock(&mu_);
  return InImmediateTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(IncidentRow incident, OpenIncident(id));
    ASSIGN_OR_RETURN(tenancy::Tenant tenant, directory_.GetTenant(incident.tenant_id));
    ASSIGN_OR_RETURN(ContractTerms terms, HeldTerms(*db_, id, tenant));
    RETURN_IF_ERROR(SetAssignee(*db_, id, responder.id, incident.escalation_level));
    const std::string text =
        absl::StrCat("assigned to ", responder.handle, note.empty() ? "" : ": ", Sv(note));
    // Mark it dispatched so the dispatcher does not assign it a second time.
    ASSIGN_OR_RETURN(Stmt mark, db_->Prepare("UPDATE incidents SET dispatched_at = COALESCE("
                                             "dispatched_at, ?) WHERE id = ?"));
    RETURN_IF_ERROR(mark.Bind(1, ToMicros(clock_.Now())).Bind(2, id).Run());
    RETURN_IF_ERROR(Audit(incident, "incident.assign", actor, text));
    if (incident.state == v1::INCIDENT_STATE_NEW || incident.state == v1::INCIDENT_STATE_ASSIGNED) {
      RETURN_IF_ERROR(Move(incident, v1::INCIDENT_STATE_ASSIGNED, actor, text));
      const absl::Duration sla = terms.ack_sla.For(incident.severity);
      if (sla > absl::ZeroDuration()) {
        RETURN_IF_ERROR(StartAckTimer(*db_, id, clock_.Now() + sla, incident.escalation_level));
      }
      return absl::OkStatus();
    }
    // Already being worked on: a hand-over keeps the state.
    return RecordTransition(*db_, id, incident.state, incident.state, clock_.Now(), actor, text);
  });
}

absl::Status IncidentWorkflow::Advance(int64_t id, v1::IncidentState to, std::string_view actor,
                                       std::string_view note) {
  if (to == v1::INCIDENT_STATE_ASSIGNED || to == v1::INCIDENT_STATE_NEW ||
      to == v1::INCIDENT_STATE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("an incident is not moved to ", StateName(to), " by hand (use assign)"));
  }
  absl::MutexLock lock(&mu_);
  return InImmediateTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(IncidentRow incident, OpenIncident(id));
    if (!IsClosed(to) && to <= incident.state) {
      return absl::FailedPreconditionError(absl::StrCat("incident #", id, " cannot go from ",
                                                        StateName(incident.state), " back to ",
                                                        StateName(to)));
    }
    RETURN_IF_ERROR(Move(incident, to, actor, note));
    return Audit(incident, "incident.state", actor,
                 absl::StrCat(StateName(incident.state), " -> ", StateName(to),
                              note.empty() ? "" : ": ", Sv(note)));
  });
}

absl::Status IncidentWorkflow::Note(int64_t id, std::string_view actor, std::string_view note) {
  if (note.empty()) return absl::InvalidArgumentError("a note needs text");
  absl::MutexLock lock(&mu_);
  return InImmediateTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(IncidentRow incident, ReadIncident(*db_, id));
    RETURN_IF_ERROR(
        RecordTransition(*db_, id, incident.state, incident.state, clock_.Now(), actor, note));
    return Audit(incident, "incident.note", actor, note);
  });
}

absl::Status IncidentWorkflow::Recount(int64_t id) {
  ASSIGN_OR_RETURN(
      Stmt stmt,
      db_->Prepare("UPDATE incidents SET alert_count = (SELECT COUNT(*) FROM alerts WHERE "
                   "incident_id = ?1), severity = COALESCE((SELECT MAX(severity) FROM alerts "
                   "WHERE incident_id = ?1), severity), first_seen = COALESCE((SELECT "
                   "MIN(received_at) FROM alerts WHERE incident_id = ?1), first_seen), last_seen "
                   "= COALESCE((SELECT MAX(received_at) FROM alerts WHERE incident_id = ?1), "
                   "last_seen) WHERE id = ?1"));
  return stmt.Bind(1, id).Run();
}

absl::StatusOr<std::vector<std::string>> IncidentWorkflow::AlertKeys(int64_t id) {
  ASSIGN_OR_RETURN(Stmt bodies, db_->Prepare("SELECT id, body FROM alerts WHERE incident_id = ?"));
  bodies.Bind(1, id);
  std::vector<std::string> keys;
  v1::Alert alert;
  while (true) {
    ASSIGN_OR_RETURN(bool row, bodies.Step());
    if (!row) break;
    const std::string body = bodies.Blob(1);
    if (!alert.ParseFromString(body)) {
      return absl::DataLossError(absl::StrCat("alert #", bodies.Int(0), " has a corrupt body"));
    }
    grouper_.GroupKeys(alert, &keys);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

absl::Status IncidentWorkflow::Merge(int64_t into, int64_t from, std::string_view actor,
                                     std::string_view note) {
  if (into == from) return absl::InvalidArgumentError("an incident cannot be merged into itself");
  absl::MutexLock lock(&mu_);
  return InImmediateTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(IncidentRow target, OpenIncident(into));
    ASSIGN_OR_RETURN(IncidentRow source, OpenIncident(from));
    if (target.tenant_id != source.tenant_id) {
      return absl::InvalidArgumentError(absl::StrCat(
          "incident #", from, " (tenant ", source.tenant_id, ") and #", into, " (tenant ",
          target.tenant_id, ") belong to different tenants and cannot be merged"));
    }
    ASSIGN_OR_RETURN(Stmt move, db_->Prepare("UPDATE alerts SET incident_id = ? WHERE "
                                             "incident_id = ?"));
    RETURN_IF_ERROR(move.Bind(1, into).Bind(2, from).Run());
    const int moved = db_->Changes();
    // The newest attachment of a key decides where its next alert goes (incident_keys).
    ASSIGN_OR_RETURN(Stmt keys, db_->Prepare("INSERT INTO incident_keys (group_key, incident_id) "
                                             "SELECT group_key, ? FROM incident_keys WHERE "
                                             "incident_id = ? ORDER BY id"));
    RETURN_IF_ERROR(keys.Bind(1, into).Bind(2, from).Run());
    ASSIGN_OR_RETURN(Stmt mark, db_->Prepare("UPDATE incidents SET merged_into = ?, "
                                             "dispatched_at = COALESCE(dispatched_at, ?) WHERE "
                                             "id = ?"));
    RETURN_IF_ERROR(mark.Bind(1, into).Bind(2, ToMicros(clock_.Now())).Bind(3, from).Run());
    RETURN_IF_ERROR(Recount(into));
    const std::string suffix = note.empty() ? "" : absl::StrCat(": ", Sv(note));
    RETURN_IF_ERROR(Move(source, v1::INCIDENT_STATE_RESOLVED, actor,
                         absl::StrCat("merged into #", into, suffix)));
    RETURN_IF_ERROR(
        RecordTransition(*db_, into, target.state, target.state, clock_.Now(), actor,
                         absl::StrCat("merged #", from, " (", moved, " alerts)", suffix)));
    return AppendAudit(*db_, clock_.Now(),
                       {.actor = actor,
                        .action = "incident.merge",
                        .tenant_id = target.tenant_id,
                        .target = absl::StrCat("#", from, " -> #", into),
                        .detail = absl::StrCat(moved, " alerts", suffix)});
  });
}

absl::StatusOr<int64_t> IncidentWorkflow::Split(int64_t id, const std::vector<int64_t>& alert_ids,
                                                std::string_view actor, std::string_view note) {
  if (alert_ids.empty()) return absl::InvalidArgumentError("name the alerts to split off");
  absl::MutexLock lock(&mu_);
  int64_t created = 0;
  RETURN_IF_ERROR(InImmediateTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(IncidentRow source, OpenIncident(id));
    const absl::Time now = clock_.Now();
    // A group key of its own, so new alerts keep joining the original incident; a dedup key
    // derived from the original's, still within PagerDuty's 255 characters.
    ASSIGN_OR_RETURN(
        Stmt insert,
        db_->Prepare("INSERT INTO incidents (tenant_id, hostname, group_key, dedup_key, title, "
                     "severity, state, alert_count, first_seen, last_seen, rule_engine, rule_id, "
                     "rule_revision, ruleset_version, dispatched_at) SELECT tenant_id, hostname, "
                     "group_key || '#split-' || ?2, substr(dedup_key, 1, 200) || '/split-' || "
                     "(SELECT MAX(id) + 1 FROM incidents), title, severity, 1, 0, first_seen, "
                     "last_seen, rule_engine, "
                     "rule_id, rule_revision, ruleset_version, ?2 FROM incidents WHERE id = ?1"));
    RETURN_IF_ERROR(insert.Bind(1, id).Bind(2, ToMicros(now)).Run());
    created = db_->LastInsertRowId();
    ASSIGN_OR_RETURN(Stmt move, db_->Prepare("UPDATE alerts SET incident_id = ? WHERE id = ? AND "
                                             "incident_id = ?"));
    for (int64_t alert : alert_ids) {
      move.Reset();
      RETURN_IF_ERROR(move.Bind(1, created).Bind(2, alert).Bind(3, id).Run());
      if (db_->Changes() != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("alert #", alert, " is not in incident #", id));
      }
    }
    RETURN_IF_ERROR(Recount(id));
    RETURN_IF_ERROR(Recount(created));
    ASSIGN_OR_RETURN(IncidentRow remaining, ReadIncident(*db_, id));
    if (remaining.alert_count == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "splitting every alert off would leave incident #", id, " empty (nothing to split)"));
    }
    ASSIGN_OR_RETURN(std::vector<std::string> moved_keys, AlertKeys(created));
    ASSIGN_OR_RETURN(std::vector<std::string> kept_keys, AlertKeys(id));
    ASSIGN_OR_RETURN(Stmt attach, db_->Prepare("INSERT INTO incident_keys (group_key, "
                                               "incident_id) VALUES (?, ?)"));
    for (const std::string& key : moved_keys) {
      if (std::binary_search(kept_keys.begin(), kept_keys.end(), key)) continue;
      attach.Reset();
      RETURN_IF_ERROR(attach.Bind(1, key).Bind(2, created).Run());
    }
    const std::string suffix = note.empty() ? "" : absl::StrCat(": ", Sv(note));
    RETURN_IF_ERROR(RecordTransition(*db_, created, v1::INCIDENT_STATE_NEW, v1::INCIDENT_STATE_NEW,
                                     now, actor, absl::StrCat("split from #", id, suffix)));
    RETURN_IF_ERROR(
        RecordTransition(*db_, id, source.state, source.state, now, actor,
                         absl::StrCat(alert_ids.size(), " alerts split into #", created, suffix)));
    return AppendAudit(*db_, now,
                       {.actor = actor,
                        .action = "incident.split",
                        .tenant_id = source.tenant_id,
                        .target = absl::StrCat("#", id, " -> #", created),
                        .detail = absl::StrCat(alert_ids.size(), " alerts", suffix)});
  }));
  return created;
}

}  // namespace otasuke::collector::dispatch
