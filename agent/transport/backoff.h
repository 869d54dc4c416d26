#pragma once
// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and
// Jitter"): the n-th wait is uniform in [initial/2, min(max, initial * 2^n)], so a fleet of
// agents that lost the collector at the same moment does not reconnect in lock-step.

#include <algorithm>
#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace otasuke::agent {

class Backoff {
 public:
  Backoff(absl::Duration initial, absl::Duration max, uint64_t seed = std::random_device{}())
      : initial_(initial), max_(std::max(initial, max)), rng_(seed) {}

  absl::Duration Next() {
    absl::Duration ceiling = initial_;
    for (int i = 0; i < attempt_ && ceiling < max_; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, max_);
    ++attempt_;
    const int64_t lo = absl::ToInt64Milliseconds(initial_) / 2;
    const int64_t hi = std::max(lo, absl::ToInt64Milliseconds(ceiling));
    return absl::Milliseconds(std::uniform_int_distribution<int64_t>(lo, hi)(rng_));
  }
  void Reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  absl::Duration initial_;
  absl::Duration max_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

}  // namespace otasuke::agent
