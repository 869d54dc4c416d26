#pragma once
// The alert queue between detectors and the transport, backed by the disk spool
// (alert_spool.h). Push() gives the alert its sequence and hands it to a writer thread that
// commits pending alerts to the spool in groups (one fsync per group); only then is an alert
// raised (counted, sendable). The transport reads committed alerts in sequence order, a
// reconnect rewinds to the oldest unacknowledged one, and Ack() deletes what the collector has
// durably stored. After a restart everything still in the spool is sent again.
//
// The spool's byte budget bounds what is kept: when a new alert does not fit, the lowest
// severity goes first (oldest first within a severity); a new alert less severe than all that
// is stored is refused. Every drop is counted by reason in AgentCounters. In memory the queue
// keeps only an index (sequence, severity, size) and the alerts not yet committed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/pipeline/agent_counters.h"
#include "agent/pipeline/alert_spool.h"
#include "agent/state/agent_state.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::agent {

struct AlertQueueLimits {
  size_t max_alerts = 10000;             // pending in memory (not yet committed), at most
  size_t max_bytes = 32 << 20;           // bytes pending in memory, at most
  size_t max_in_flight = 2048;           // sent but not yet acknowledged
  uint64_t spool_max_bytes = 256 << 20;  // the disk budget (alert bodies + per-row overhead)
};

class AlertQueue {
 public:
  // Rows cost this much beyond the body in the budget (sequence, severity, b-tree cell).
  static constexpr uint64_t kRowOverheadBytes = 32;

  // Rebuilds the index from what `spool` holds (evicting down to the budget if it shrank)
  // and starts the writer thread.
  AlertQueue(AlertQueueLimits limits, AlertSpool& spool, AgentState& state,
             AgentCounters& counters);
  // Commits what is pending, then stops the writer.
  ~AlertQueue();
  AlertQueue(const AlertQueue&) = delete;
  AlertQueue& operator=(const AlertQueue&) = delete;

  // Assigns the next sequence and queues the alert for the spool. Never blocks on the disk.
  // Returns false (and counts the drop) when it cannot be kept.
  bool Push(otasuke::v1::Alert&& alert);

  // Copies the next unsent committed alerts (in sequence order) into `batch`, at most
  // `max_alerts` and about `max_bytes`, waiting until `deadline` for one to become sendable.
  // Returns early, possibly empty, after Interrupt().
  size_t NextBatch(otasuke::v1::AlertBatch* batch, size_t max_alerts, size_t max_bytes,
                   absl::Time deadline);

  // Releases every alert with sequence <= `sequence` (deleted from the spool in the next
  // commit).
  void Ack(uint64_t sequence);
  // After a reconnect: every unacknowledged alert is to be sent again.
  void RewindUnsent();
  // Wakes a NextBatch() waiter once (e.g. a heartbeat or control message is due).
  void Interrupt();
  // Waits until everything pushed, evicted and acknowledged so far is committed to the spool
  // (or `deadline`); true if it is.
  bool Flush(absl::Time deadline);

  size_t depth() const;           // alerts kept (pending + committed), not yet acknowledged
  uint64_t stored_bytes() const;  // their size as counted against the budget
  uint64_t acked() const;

 private:
  struct Entry {
    uint64_t bytes;  // counted against the budget
    otasuke::v1::Severity severity;
    bool committed;  // durable in the spool: raised and sendable
    bool in_spool;   // handed to the writer (eviction must delete it from the file)
  };
  static constexpr size_t kSeverities = otasuke::v1::Severity_MAX + 1;

  void WriterLoop();
  // Makes room for `bytes` of `severity`; false when the alert must be refused.
  bool MakeRoom(uint64_t bytes, otasuke::v1::Severity severity) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Evict(uint64_t sequence, otasuke::v1::DropReason reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Sendable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const AlertQueueLimits limits_;
  AlertSpool& spool_;
  AgentState& state_;
  AgentCounters& counters_;
  mutable absl::Mutex mu_;
  // Kept alerts (not acknowledged, not evicted) by sequence.
  absl::btree_map<uint64_t, Entry> index_ ABSL_GUARDED_BY(mu_);
  // Sequences not evicted or acknowledged, oldest first, per severity: the eviction order.
  std::array<std::deque<uint64_t>, kSeverities> by_severity_ ABSL_GUARDED_BY(mu_);
  uint64_t stored_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<SpooledAlert> pending_ ABSL_GUARDED_BY(mu_);
  size_t pending_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<uint64_t> remove_ ABSL_GUARDED_BY(mu_);  // evicted, to delete from the spool
  uint64_t remove_through_ ABSL_GUARDED_BY(mu_) = 0;   // acknowledged, not yet deleted
  bool committing_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t last_sent_ ABSL_GUARDED_BY(mu_) = 0;  // the send cursor
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;    // kept alerts at or below the cursor
  uint64_t rewinds_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t acked_ ABSL_GUARDED_BY(mu_) = 0;
  bool interrupted_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

}  // namespace otasuke::agent
