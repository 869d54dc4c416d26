#pragma once
// Atomic publication of immutable objects (compiled rule sets, configs). A writer builds a
// new object off the hot path and Publish()es it; readers keep a SnapshotReader per thread
// whose Get() is one relaxed atomic load while nothing changed, so the per-event path takes
// no lock. The old object lives until the last reader lets go of it.

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace otasuke {

template <typename T>
class Snapshot {
 public:
  using Ptr = std::shared_ptr<const T>;

  explicit Snapshot(Ptr initial = nullptr) : current_(std::move(initial)) {}

  void Publish(Ptr next) {
    absl::MutexLock lock(&mu_);
    current_ = std::move(next);
    generation_.fetch_add(1, std::memory_order_release);
  }

  Ptr Load() const {
    absl::MutexLock lock(&mu_);
    return current_;
  }

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable absl::Mutex mu_;
  Ptr current_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
};

// One per reading thread. Not thread-safe itself.
template <typename T>
class SnapshotReader {
 public:
  explicit SnapshotReader(const Snapshot<T>& source) : source_(source) {}

  // The current object; refreshes (taking the publisher's lock) only after a Publish().
  const T* Get() {
    const uint64_t gen = source_.generation();
    if (gen != seen_) {
      cached_ = source_.Load();
      seen_ = gen;
    }
    return cached_.get();
  }
  const typename Snapshot<T>::Ptr& shared() {
    Get();
    return cached_;
  }

 private:
  const Snapshot<T>& source_;
  typename Snapshot<T>::Ptr cached_;
  uint64_t seen_ = 0;
};

}  // namespace otasuke
