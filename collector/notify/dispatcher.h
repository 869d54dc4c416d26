#pragma once
// Delivers queued notifications on its own thread: attempts each due one with the notifier of
// its channel, records every attempt in the store, and retries with exponential backoff until
// max_attempts, then marks it failed. Time comes from the Clock seam, so tests drive retries
// with a ManualClock and RunDue() instead of sleeping.

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/notify/notifier.h"
#include "collector/store/store.h"
#include "common/clock.h"

namespace otasuke::collector {

struct DispatcherOptions {
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Seconds(2);
  absl::Duration max_backoff = absl::Minutes(5);
  // How often the thread looks for due retries when nothing wakes it.
  absl::Duration poll_interval = absl::Seconds(1);
  int batch_size = 32;
};

struct DispatcherCounters {
  uint64_t attempts = 0;
  uint64_t delivered = 0;
  uint64_t failed_attempts = 0;
  uint64_t given_up = 0;
};

class NotificationDispatcher {
 public:
  NotificationDispatcher(Store& store, const Clock& clock, DispatcherOptions options);
  ~NotificationDispatcher();

  // Before Start(). Rejects a second notifier for the same channel.
  absl::Status AddNotifier(std::unique_ptr<Notifier> notifier);

  // Attempts every notification due at clock.Now(). Returns the number of attempts made.
  absl::StatusOr<int> RunDue();
  // Delay before the retry that follows failed attempt number `attempt` (1-based).
  absl::Duration BackoffAfter(int attempt) const;

  void Start();
  void Stop();
  // New notifications were queued: look now rather than at the next poll.
  void Wake();
  DispatcherCounters counters() const;

 private:
  void Loop();

  Store& store_;
  const Clock& clock_;
  const DispatcherOptions options_;
  std::map<std::string, std::unique_ptr<Notifier>, std::less<>> notifiers_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  DispatcherCounters counters_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace otasuke::collector
