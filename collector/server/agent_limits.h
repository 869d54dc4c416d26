#pragma once
// Per-agent rate limits and the collector-wide stream cap, so that one misbehaving or
// compromised agent cannot exhaust the collector. Each agent id has a token bucket for alerts/s
// and one for bytes/s, shared by all its streams (reconnecting does not refill it). Over the
// limit the collector does not reject: it stops reading that agent's stream until the buckets
// are back in credit (backpressure through HTTP/2 flow control; the agent's own queue holds
// the alerts, nothing is lost). Counters per agent are kept for ListAgents.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace otasuke::collector {

struct RateLimits {
  double alerts_per_second = 200;
  double bytes_per_second = 1 << 20;         // every message after Hello, as serialised
  absl::Duration burst = absl::Seconds(10);  // a bucket holds this many seconds of its rate
  int max_streams = 1000;                    // concurrent agent streams, all agents together
  size_t max_tracked_agents = 100000;        // agents with buckets kept in memory
  absl::Duration audit_interval = absl::Minutes(1);  // per agent, at most one audit row
};

// A token bucket that may go into debt: a message already read is always charged in full, and
// the debt is the pause before the next read. Not thread-safe.
class TokenBucket {
 public:
  TokenBucket(double rate_per_second, double capacity, absl::Time now)
      : rate_(rate_per_second), capacity_(capacity), tokens_(capacity), last_(now) {}
  // Charges `amount`; returns how long until the balance is back to zero (0 if in credit).
  absl::Duration Take(double amount, absl::Time now);
  bool full(absl::Time now) const;

 private:
  void Refill(absl::Time now);
  double rate_;
  double capacity_;
  double tokens_;
  absl::Time last_;
};

struct AgentLimitStats {
  uint64_t throttled = 0;        // times a stream was paused
  absl::Duration throttled_for;  // total pause
  uint64_t violations = 0;       // streams closed for invalid messages
};

class AgentLimiter {
 public:
  AgentLimiter(RateLimits limits, const Clock& clock) : limits_(limits), clock_(clock) {}

  // A new stream: false when max_streams are open (the caller rejects it).
  bool AdmitStream();
  void ReleaseStream();
  int open_streams() const;
  uint64_t rejected_streams() const;

  // Charges one message of `agent_id` (alerts in it, serialised bytes); returns the pause
  // before that stream's next read.
  absl::Duration Charge(std::string_view agent_id, int alerts, size_t bytes);
  void CountViolation(std::string_view agent_id);
  // True at most once per audit_interval per agent: whether this event gets an audit row.
  bool ShouldAudit(std::string_view agent_id);

  std::optional<AgentLimitStats> Stats(std::string_view agent_id) const;
  const RateLimits& limits() const { return limits_; }

 private:
  struct AgentEntry {
    TokenBucket alerts;
    TokenBucket bytes;
    AgentLimitStats stats;
    absl::Time last_audit = absl::InfinitePast();
  };
  AgentEntry& EntryLocked(std::string_view agent_id, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RateLimits limits_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  int open_streams_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rejected_streams_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, AgentEntry, std::less<>> agents_ ABSL_GUARDED_BY(mu_);
};

}  // namespace otasuke::collector
