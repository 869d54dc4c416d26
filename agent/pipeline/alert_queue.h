#pragma once
// The bounded alert queue between detectors and the transport. It keeps every alert until
// the collector acknowledges its sequence (at-least-once delivery): the transport reads
// unsent alerts in order, a reconnect rewinds to the oldest unacknowledged one, and Ack()
// releases what is durably stored. Bounded by count and bytes; a full queue refuses new
// alerts and counts the drop (sequences are given only to accepted alerts, so the stream the
// collector sees has no holes of our making).

#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/pipeline/agent_counters.h"
#include "agent/state/agent_state.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::agent {

struct AlertQueueLimits {
  size_t max_alerts = 10000;
  size_t max_bytes = 32 << 20;
  size_t max_in_flight = 2048;  // sent but not yet acknowledged
};

class AlertQueue {
 public:
  AlertQueue(AlertQueueLimits limits, AgentState& state, AgentCounters& counters)
      : limits_(limits), state_(state), counters_(counters) {}

  // Assigns the next sequence and keeps the alert. Returns false (and counts the drop) when
  // the queue is full or no sequence could be reserved.
  bool Push(otasuke::v1::Alert&& alert);

  // Copies the next unsent alerts (in sequence order) into `batch`, at most `max_alerts` and
  // about `max_bytes`, waiting until `deadline` for one to become sendable. Returns early,
  // possibly empty, after Interrupt().
  size_t NextBatch(otasuke::v1::AlertBatch* batch, size_t max_alerts, size_t max_bytes,
                   absl::Time deadline);

  // Releases every alert with sequence <= `sequence`.
  void Ack(uint64_t sequence);
  // After a reconnect: every unacknowledged alert is to be sent again.
  void RewindUnsent();
  // Wakes a NextBatch() waiter once (e.g. a heartbeat or control message is due).
  void Interrupt();

  size_t depth() const;
  uint64_t acked() const;

 private:
  bool Sendable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const AlertQueueLimits limits_;
  AgentState& state_;
  AgentCounters& counters_;
  mutable absl::Mutex mu_;
  std::deque<otasuke::v1::Alert> alerts_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  size_t next_unsent_ ABSL_GUARDED_BY(mu_) = 0;  // index into alerts_
  uint64_t acked_ ABSL_GUARDED_BY(mu_) = 0;
  bool interrupted_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace otasuke::agent
