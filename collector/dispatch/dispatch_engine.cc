#include "collector/dispatch/dispatch_engine.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "collector/notify/payload.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector::dispatch {

using tenancy::Responder;

std::string_view EscalationLevelName(int level) {
  switch (level) {
    case kPrimary:
      return "primary";
    case kSecondary:
      return "secondary";
    case kLead:
      return "lead";
    default:
      return "?";
  }
}

// Who may be tried for one incident now: one ranked list per rung.
struct DispatchEngine::Ladder {
  tenancy::Tenant tenant;
  std::array<std::vector<Responder>, 3> rungs;
};

absl::StatusOr<std::unique_ptr<DispatchEngine>> DispatchEngine::Open(
    const std::string& path, tenancy::TenantDirectory& directory, const Clock& clock,
    DispatchOptions options, std::function<void()> on_notifications_queued) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, {}));
  return std::unique_ptr<DispatchEngine>(new DispatchEngine(
      std::move(db), directory, clock, std::move(options), std::move(on_notifications_queued)));
}

DispatchEngine::~DispatchEngine() { Stop(); }

void DispatchEngine::Count(uint64_t DispatchCounters::*counter) {
  absl::MutexLock lock(&counters_mu_);
  ++(counters_.*counter);
}

DispatchCounters DispatchEngine::counters() const {
  absl::MutexLock lock(&counters_mu_);
  return counters_;
}

absl::StatusOr<DispatchEngine::Ladder> DispatchEngine::LadderFor(const IncidentRow& incident,
                                                                 absl::Time now) {
  ASSIGN_OR_RETURN(tenancy::OnCall on_call, directory_.OnCallFor(incident.tenant_id, now));
  std::string skill;
  for (const auto& [engine, name] : options_.skill_by_engine) {
    if (engine == incident.engine) skill = name;
  }
  Ladder ladder;
  ladder.tenant = std::move(on_call.tenant);
  // The incident keeps the contract terms it was first dispatched under.
  ASSIGN_OR_RETURN(ContractTerms terms, HeldTerms(*db_, incident.id, ladder.tenant));
  ladder.tenant.ack_sla = terms.ack_sla;
  ladder.tenant.dispatch_threshold = terms.dispatch_threshold;
  ladder.rungs = {std::move(on_call.primary), std::move(on_call.secondary),
                  std::move(on_call.leads)};
  ASSIGN_OR_RETURN(Stmt load, db_->Prepare("SELECT COUNT(*) FROM incidents WHERE assignee_id = ? "
                                           "AND state IN (2, 3, 4, 5)"));
  for (std::vector<Responder>& rung : ladder.rungs) {
    struct Ranked {
      bool has_skill;
      int64_t open;
      Responder responder;
    };
    std::vector<Ranked> ranked;
    for (Responder& r : rung) {
      load.Reset();
      load.Bind(1, r.id);
      ASSIGN_OR_RETURN(bool row, load.Step());
      const bool has_skill =
          skill.empty() || std::find(r.skills.begin(), r.skills.end(), skill) != r.skills.end();
      ranked.push_back({has_skill, row ? load.Int(0) : 0, std::move(r)});
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
      if (a.has_skill != b.has_skill) return a.has_skill;
      return a.open < b.open;
    });
    rung.clear();
    for (Ranked& r : ranked) rung.push_back(std::move(r.responder));
  }
  return ladder;
}

absl::StatusOr<bool> DispatchEngine::AssignFrom(const IncidentRow& incident, const Ladder& ladder,
                                                int from_level, absl::Time now,
                                                std::string_view why, bool* queued) {
  for (int level = from_level; level < static_cast<int>(ladder.rungs.size()); ++level) {
    for (const Responder& responder : ladder.rungs[level]) {
      if (responder.id == incident.assignee_id) continue;  // escalate to someone else
      RETURN_IF_ERROR(SetAssignee(*db_, incident.id, responder.id, level));
      const v1::IncidentState to = v1::INCIDENT_STATE_ASSIGNED;
      RETURN_IF_ERROR(SetState(*db_, incident.id, to));
      const absl::Duration sla = ladder.tenant.ack_sla.For(incident.severity);
      RETURN_IF_ERROR(RecordTransition(
          *db_, incident.id, incident.state, to, now, "dispatch",
          absl::StrCat(Sv(why), " ", responder.handle, " (", Sv(EscalationLevelName(level)),
                       ", region ", ladder.tenant.region, "); acknowledge within ",
                       absl::FormatDuration(sla))));
      RETURN_IF_ERROR(StartAckTimer(*db_, incident.id, now + sla, level));
      ASSIGN_OR_RETURN(int64_t notification, QueueNotification(*db_, incident.id, responder, now));
      *queued |= notification != 0;
      RETURN_IF_ERROR(RecordAttempt(
          *db_, {.incident_id = incident.id,
                 .level = level,
                 .responder_id = responder.id,
                 .at = now,
                 .outcome = notification != 0 ? "notified" : "no_channel",
                 .notification_id = notification,
                 .detail = notification != 0 ? responder.webhook
                                             : "responder has no webhook; call them"}));
      return true;
    }
  }
  return false;
}

absl::Status DispatchEngine::DispatchNew(int64_t incident_id, absl::Time now, bool* queued) {
  ASSIGN_OR_RETURN(Stmt mark, db_->Prepare("UPDATE incidents SET dispatched_at = ? WHERE id = ?"));
  RETURN_IF_ERROR(mark.Bind(1, ToMicros(now)).Bind(2, incident_id).Run());
  ASSIGN_OR_RETURN(IncidentRow incident, ReadIncident(*db_, incident_id));
  if (incident.state != v1::INCIDENT_STATE_NEW || incident.merged_into != 0) {
    return absl::OkStatus();  // someone took it by hand first
  }
  DispatchAttempt attempt{.incident_id = incident.id, .level = kPrimary, .at = now};
  absl::StatusOr<Ladder> ladder = LadderFor(incident, now);
  if (!ladder.ok()) {
    // A tenant the agents named but nobody registered: visible, not fatal.
    Count(&DispatchCounters::unrouted);
    attempt.outcome = "no_route";
    attempt.detail = std::string(ladder.status().message());
    return RecordAttempt(*db_, attempt);
  }
  if (ladder->tenant.region.empty()) {
    Count(&DispatchCounters::unrouted);
    attempt.outcome = "no_route";
    attempt.detail = absl::StrCat("tenant '", incident.tenant_id,
                                  "' has no region (its agents reported it; import its profile)");
    LOG_WARN("dispatch: incident #%d: %s", incident.id, attempt.detail);
    return RecordAttempt(*db_, attempt);
  }
  const absl::Duration sla = ladder->tenant.ack_sla.For(incident.severity);
  if (incident.severity < ladder->tenant.dispatch_threshold || sla == absl::ZeroDuration()) {
    Count(&DispatchCounters::below_threshold);
    attempt.outcome = "below_threshold";
    attempt.detail = absl::StrCat(SeverityName(incident.severity), " is below the tenant's ",
                                  SeverityName(ladder->tenant.dispatch_threshold),
                                  " threshold or has no SLA timer: reported only");
    return RecordAttempt(*db_, attempt);
  }
  ASSIGN_OR_RETURN(bool assigned, AssignFrom(incident, *ladder, kPrimary, now, "on call:", queued));
  if (assigned) {
    Count(&DispatchCounters::dispatched);
    return absl::OkStatus();
  }
  Count(&DispatchCounters::unrouted);
  attempt.outcome = "no_one_on_call";
  attempt.detail = absl::StrCat("no primary, secondary or lead on call for region '",
                                ladder->tenant.region, "'");
  LOG_WARN("dispatch: incident #%d: %s", incident.id, attempt.detail);
  return RecordAttempt(*db_, attempt);
}

absl::Status DispatchEngine::FireTimer(int64_t incident_id, absl::Time now, bool* queued) {
  RETURN_IF_ERROR(StopAckTimer(*db_, incident_id));
  ASSIGN_OR_RETURN(IncidentRow incident, ReadIncident(*db_, incident_id));
  if (incident.state != v1::INCIDENT_STATE_ASSIGNED) return absl::OkStatus();  // acknowledged
  ASSIGN_OR_RETURN(Ladder ladder, LadderFor(incident, now));
  const std::string why = absl::StrCat(
      "not acknowledged within ",
      absl::FormatDuration(ladder.tenant.ack_sla.For(incident.severity)), ": escalated to");
  ASSIGN_OR_RETURN(bool assigned,
                   AssignFrom(incident, ladder, incident.escalation_level + 1, now, why, queued));
  if (assigned) {
    Count(&DispatchCounters::escalations);
    return absl::OkStatus();
  }
  Count(&DispatchCounters::exhausted);
  LOG_WARN("dispatch: incident #%d is not acknowledged and no one is left to escalate to",
           incident.id);
  return RecordAttempt(*db_, {.incident_id = incident.id,
                              .level = incident.escalation_level + 1,
                              .responder_id = 0,
                              .at = now,
                              .outcome = "exhausted",
                              .notification_id = 0,
                              .detail = "not acknowledged; no one left on the escalation ladder"});
}

absl::StatusOr<int> DispatchEngine::RunDue() {
  absl::MutexLock lock(&run_mu_);
  const absl::Time now = clock_.Now();
  std::vector<int64_t> fresh;
  std::vector<int64_t> due;
  {
    ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("SELECT id FROM incidents WHERE dispatched_at IS "
                                             "NULL ORDER BY id LIMIT ?"));
    stmt.Bind(1, options_.batch_size);
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      fresh.push_back(stmt.Int(0));
    }
  }
  {
    ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("SELECT incident_id FROM ack_timers WHERE due_at <= "
                                             "? ORDER BY due_at LIMIT ?"));
    stmt.Bind(1, ToMicros(now)).Bind(2, options_.batch_size);
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      due.push_back(stmt.Int(0));
    }
  }
  bool queued = false;
  // Each incident in its own transaction: one that fails is logged and retried next pass
  // without holding back the others.
  for (int64_t id : fresh) {
    absl::Status s = InImmediateTransaction(*db_, [&] { return DispatchNew(id, now, &queued); });
    if (!s.ok()) LOG_ERROR("dispatch: incident #%d: %s", id, s.ToString());
  }
  for (int64_t id : due) {
    absl::Status s = InImmediateTransaction(*db_, [&] { return FireTimer(id, now, &queued); });
    if (!s.ok()) LOG_ERROR("dispatch: ack timer of incident #%d: %s", id, s.ToString());
  }
  if (queued && on_notifications_queued_) on_notifications_queued_();
  return static_cast<int>(fresh.size() + due.size());
}

void DispatchEngine::Start() {
  loop_ = std::make_unique<WakeableLoop>(options_.poll_interval, [this] {
    absl::StatusOr<int> acted = RunDue();
    if (!acted.ok()) LOG_ERROR("dispatch: %s", acted.status().ToString());
    return acted.ok() && *acted >= options_.batch_size;
  });
  loop_->Start();
}

void DispatchEngine::Stop() {
  if (loop_) loop_->Stop();
}

void DispatchEngine::Wake() {
  if (loop_) loop_->Wake();
}

}  // namespace otasuke::collector::dispatch
