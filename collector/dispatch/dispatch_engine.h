#pragma once
// Dispatch: a new incident at or above its tenant's threshold goes to the on-call responder of
// the tenant's region, who is notified; an acknowledge timer starts from the tenant's SLA for the
// incident's severity. A timer that fires before the acknowledgement escalates along the ladder
// primary -> secondary -> lead of the region, restarting the timer each time. Every attempt is a
// dispatch_attempts row; every state change an incident_transitions row.
//
// Timers live in SQLite (ack_timers), so a restarted collector resumes them. Time comes from the
// Clock seam: tests call RunDue() after advancing a ManualClock instead of sleeping.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/dispatch/incident_records.h"
#include "collector/store/sqlite_db.h"
#include "collector/tenancy/tenant_directory.h"
#include "common/clock.h"
#include "common/wakeable_loop.h"

namespace otasuke::collector::dispatch {

struct DispatchOptions {
  // Among responders of one tier, those with the skill the incident's engine needs come first,
  // then those with the fewest open incidents.
  std::vector<std::pair<v1::Engine, std::string>> skill_by_engine = {
      {v1::ENGINE_SIGMA, "endpoint"}, {v1::ENGINE_SURICATA, "network"}};
  absl::Duration poll_interval = absl::Seconds(1);
  int batch_size = 64;
};

// The rungs of the escalation ladder, in order.
enum EscalationLevel : int { kPrimary = 0, kSecondary = 1, kLead = 2 };
std::string_view EscalationLevelName(int level);

struct DispatchCounters {
  uint64_t dispatched = 0;       // incidents assigned on arrival
  uint64_t below_threshold = 0;  // incidents left to the reports
  uint64_t escalations = 0;
  uint64_t exhausted = 0;  // no one left to escalate to
  uint64_t unrouted = 0;   // no one on call at all
};

class DispatchEngine {
 public:
  // `path` is the collector database (already migrated). `on_notifications_queued` runs after a
  // commit that queued notifications (wakes the notification dispatcher).
  static absl::StatusOr<std::unique_ptr<DispatchEngine>> Open(
      const std::string& path, tenancy::TenantDirectory& directory, const Clock& clock,
      DispatchOptions options, std::function<void()> on_notifications_queued = nullptr);
  ~DispatchEngine();

  // Dispatches new incidents and fires the timers due at clock.Now(). Returns how many incidents
  // it acted on.
  absl::StatusOr<int> RunDue();

  void Start();
  void Stop();
  // Something changed (new incidents, the clock moved): look now rather than at the next poll.
  void Wake();
  DispatchCounters counters() const;

 private:
  DispatchEngine(std::unique_ptr<SqliteDb> db, tenancy::TenantDirectory& directory,
                 const Clock& clock, DispatchOptions options, std::function<void()> on_queued)
      : db_(std::move(db)),
        directory_(directory),
        clock_(clock),
        options_(std::move(options)),
        on_notifications_queued_(std::move(on_queued)) {}

  struct Ladder;
  absl::StatusOr<Ladder> LadderFor(const IncidentRow& incident, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  // Assigns the incident to the first responder on a rung at or above `from_level`. Returns
  // false when the ladder has no one left.
  absl::StatusOr<bool> AssignFrom(const IncidentRow& incident, const Ladder& ladder, int from_level,
                                  absl::Time now, std::string_view why, bool* queued)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  absl::Status DispatchNew(int64_t incident_id, absl::Time now, bool* queued)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  absl::Status FireTimer(int64_t incident_id, absl::Time now, bool* queued)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  void Count(uint64_t DispatchCounters::*counter);

  absl::Mutex run_mu_;  // one RunDue at a time
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(run_mu_);
  tenancy::TenantDirectory& directory_;
  const Clock& clock_;
  const DispatchOptions options_;
  const std::function<void()> on_notifications_queued_;

  mutable absl::Mutex counters_mu_;
  DispatchCounters counters_ ABSL_GUARDED_BY(counters_mu_);
  std::unique_ptr<WakeableLoop> loop_;
};

}  // namespace otasuke::collector::dispatch
