#pragma once
// Per-agent rate limits, the collector-wide stream cap and the limits on streams that have not
// said Hello yet (a deadline, and a cap per peer address), so that one misbehaving or
// compromised agent, or anyone who can reach the port, cannot exhaust the collector. Each agent id
// has a token bucket for alerts/s and one for bytes/s, shared by all its streams (reconnecting does
// not refill it). Over the limit the collector does not reject: it stops reading that agent's
// stream until the buckets are back in credit (backpressure through HTTP/2 flow control; the
// agent's own queue holds the alerts, nothing is lost). Counters per agent are kept for ListAgents.

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
  // Streams from one peer address that have not said Hello yet. Counted by address, not by
  // connection: a client opening one connection per stream is held to it too. High enough for
  // an SME's PCs behind one NAT reconnecting at once (each holds its place for one round trip).
  int max_unauthenticated_per_address = 32;
  // A stream that has not said Hello this long after it opened is closed: without it, silent
  // streams hold max_streams slots for ever.
  absl::Duration hello_timeout = absl::Seconds(10);
  size_t max_tracked_agents = 100000;                // agents with buckets kept in memory
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

// Collector-wide stream counters since start (ListAgents shows them to responders).
struct StreamCounters {
  int open = 0;                      // streams open now, with or without Hello
  int unauthenticated = 0;           // of those, not past Hello yet
  uint64_t refused_max_streams = 0;  // refused: max_streams open
  uint64_t refused_per_address = 0;  // refused: max_unauthenticated_per_address from one peer
  uint64_t hello_timeouts = 0;       // closed: no Hello within hello_timeout
};

// The address part of a gRPC peer string ("ipv4:10.0.0.5:51234" -> "ipv4:10.0.0.5",
// "ipv6:[::1]:51234" -> "ipv6:[::1]"); a peer without a port is returned whole.
std::string_view PeerAddress(std::string_view peer);

// What the unauthenticated-stream cap counts a peer under: its address (PeerAddress), except
// that an IPv6 peer counts under its /64 ("ipv6:[2001:db8:0:1::]/64"). One IPv6 host usually
// holds a whole /64 and can pick a new address per connection, so a per-address cap alone
// would not bound it. IPv4-mapped IPv6 peers count as their IPv4 address.
std::string PeerLimitKey(std::string_view peer);

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

  // A new stream from `address` (PeerLimitKey) before its Hello: false when that address already
  // holds max_unauthenticated_per_address such streams (the caller rejects it). Released once
  // the stream said Hello or ended.
  bool AdmitUnauthenticated(std::string_view address);
  void ReleaseUnauthenticated(std::string_view address);
  void CountHelloTimeout();
  StreamCounters stream_counters() const;

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
  StreamCounters streams_ ABSL_GUARDED_BY(mu_);
  // Streams not past Hello per peer address; an address leaves the map at zero.
  std::map<std::string, int, std::less<>> unauthenticated_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, AgentEntry, std::less<>> agents_ ABSL_GUARDED_BY(mu_);
};

}  // namespace otasuke::collector
