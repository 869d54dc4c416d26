#pragma once
// What the simulated agents send, and the notification side of the latency measurement.
//
// Every alert is a copy of one realistic template (Japanese and English texts, process
// evidence: about 600 bytes on the wire) with its own UUID and sequence. Steady alerts of a host
// all carry one rule and one process, so after the first they join that host's open incident and
// notify nobody. Every `new_incident_every`-th alert instead carries a rule and a process of its
// own (no entity it shares with an open incident), opens an incident, and
// so makes the collector send a webhook; its creation time is kept by UUID until the webhook
// arrives, which gives alert -> notification latency.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::collector::bench {

class AlertFactory {
 public:
  // new_incident_every: 0 means no alert opens an incident of its own. uuid_version: 7 (time
  // ordered, what agents send) or 4 (random, what agents sent before).
  AlertFactory(int64_t new_incident_every, int uuid_version);

  // Builds alert `sequence` of `hostname`, created at `created`, into `alert` (reusing its
  // storage).
  void Fill(uint64_t sequence, const std::string& hostname, absl::Time created, v1::Alert* alert);

  // A webhook body arrived at `received`: if it names an alert made to open an incident, its
  // latency is recorded. Any thread.
  void OnNotification(std::string_view body, absl::Time received);
  // Marked alerts made so far, and how many of them were notified.
  int64_t marked() const;
  int64_t notified() const;
  // Alert -> webhook receipt delays in microseconds.
  std::vector<int32_t> TakeNotificationLatencies();

 private:
  std::string FormatUuid(uint64_t n, absl::Time created) const;

  const int64_t new_incident_every_;
  const int uuid_version_;
  const uint64_t run_id_;  // random: UUIDs of two runs on one database never collide
  v1::Alert template_;
  std::atomic<uint64_t> made_{0};

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> marked_ ABSL_GUARDED_BY(mu_);
  int64_t marked_count_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<int32_t> notify_latency_us_ ABSL_GUARDED_BY(mu_);
};

// Percentile (0..100) of `samples` (sorted in place); 0 when empty.
int32_t Percentile(std::vector<int32_t>& samples, double percent);

}  // namespace otasuke::collector::bench
