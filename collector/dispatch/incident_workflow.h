#pragma once
// What people do to incidents (through otasukectl): acknowledge, assign, move along the
// lifecycle new -> assigned -> acknowledged -> investigating -> contained -> resolved |
// false_positive, add notes, merge two incidents and split alerts off into a new one. Every
// change is an incident_transitions row stamped with time, actor and note, and an audit_log row
// (incident.ack, incident.assign, incident.state, incident.note, incident.merge, incident.split).
// Merge and split also re-point the group keys (incident_keys) so later alerts follow the change.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/dispatch/incident_records.h"
#include "collector/incident/grouper.h"
#include "collector/store/sqlite_db.h"
#include "collector/tenancy/tenant_directory.h"
#include "common/clock.h"

namespace otasuke::collector::dispatch {

struct IncidentDetail {
  IncidentRow row;
  std::string assignee;  // handle; empty when unassigned
  std::vector<Transition> transitions;
  std::vector<DispatchAttempt> attempts;
  std::vector<int64_t> alert_ids;
  std::optional<AckTimer> ack_timer;  // none: no acknowledge timer runs
};

class IncidentWorkflow {
 public:
  // `grouper` is the store's: Split gives the new incident the keys of the alerts it took.
  static absl::StatusOr<std::unique_ptr<IncidentWorkflow>> Open(const std::string& path,
                                                                tenancy::TenantDirectory& directory,
                                                                const IncidentGrouper& grouper,
                                                                const Clock& clock);

  absl::StatusOr<IncidentDetail> Get(int64_t id);

  // Stops the acknowledge timer. Only an incident that is new or assigned can be acknowledged.
  absl::Status Acknowledge(int64_t id, std::string_view actor, std::string_view note);
  // Assigns to a responder by handle (NotFound when unknown); a new incident becomes assigned and
  // its acknowledge timer (re)starts from the tenant's SLA.
  absl::Status Assign(int64_t id, std::string_view handle, std::string_view actor,
                      std::string_view note);
  // Moves forward in the lifecycle, or closes (resolved, false_positive) from any open state.
  absl::Status Advance(int64_t id, v1::IncidentState to, std::string_view actor,
                       std::string_view note);
  absl::Status Note(int64_t id, std::string_view actor, std::string_view note);
  // Moves every alert of `from` into `into`; `from` is closed as resolved ("merged into #n").
  // Every key that led to `from` now leads to `into`: their new alerts join `into`.
  absl::Status Merge(int64_t into, int64_t from, std::string_view actor, std::string_view note);
  // Moves the given alerts of `id` into a new incident (same tenant and host); returns its id.
  // The keys only the moved alerts carry lead to the new incident; keys the remaining alerts
  // also carry stay with `id`.
  absl::StatusOr<int64_t> Split(int64_t id, const std::vector<int64_t>& alert_ids,
                                std::string_view actor, std::string_view note);

 private:
  IncidentWorkflow(std::unique_ptr<SqliteDb> db, tenancy::TenantDirectory& directory,
                   const IncidentGrouper& grouper, const Clock& clock)
      : db_(std::move(db)), directory_(directory), grouper_(grouper), clock_(clock) {}

  absl::StatusOr<IncidentRow> OpenIncident(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Move(const IncidentRow& incident, v1::IncidentState to, std::string_view actor,
                    std::string_view note) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Audit(const IncidentRow& incident, std::string_view action, std::string_view actor,
                     std::string_view detail) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Recomputes count, severity, first and last seen of an incident from its alerts.
  absl::Status Recount(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The group keys of incident `id`'s alerts (from their stored bodies), sorted and unique.
  absl::StatusOr<std::vector<std::string>> AlertKeys(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  tenancy::TenantDirectory& directory_;
  const IncidentGrouper& grouper_;
  const Clock& clock_;
};

}  // namespace otasuke::collector::dispatch
