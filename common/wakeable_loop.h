#pragma once
// A background thread that runs a pass, then waits until woken, stopped or the poll interval
// passes. A pass that reports more work pending runs again at once. Used by workers that act on
// due rows in the database (notification delivery, dispatch timers).

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace otasuke {

class WakeableLoop {
 public:
  // `pass` returns true when more work is pending right away.
  WakeableLoop(absl::Duration poll_interval, std::function<bool()> pass)
      : poll_interval_(poll_interval), pass_(std::move(pass)) {}
  ~WakeableLoop() { Stop(); }
  WakeableLoop(const WakeableLoop&) = delete;
  WakeableLoop& operator=(const WakeableLoop&) = delete;

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }
  void Wake() {
    absl::MutexLock lock(&mu_);
    woken_ = true;
  }

 private:
  void Run() {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        woken_ = false;
      }
      const bool more = pass_();
      absl::MutexLock lock(&mu_);
      if (more) continue;
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](WakeableLoop* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                                 return self->woken_ || self->stopping_;
                               },
                               this),
                           poll_interval_);
    }
  }

  const absl::Duration poll_interval_;
  const std::function<bool()> pass_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace otasuke
