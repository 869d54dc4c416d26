#include "agent/transport/backoff.h"

#include "gtest/gtest.h"

namespace otasuke::agent {
namespace {

TEST(BackoffTest, GrowsExponentiallyWithinJitterBoundsAndCaps) {
  Backoff b(absl::Seconds(1), absl::Seconds(30), /*seed=*/42);
  absl::Duration ceiling = absl::Seconds(1);
  for (int i = 0; i < 12; ++i) {
    absl::Duration d = b.Next();
    EXPECT_GE(d, absl::Milliseconds(500)) << "attempt " << i;
    EXPECT_LE(d, ceiling) << "attempt " << i;
    ceiling = std::min(ceiling * 2, absl::Seconds(30));
  }
}

TEST(BackoffTest, JitterSpreadsAFleet) {
  // Ten agents that lost the collector together must not all come back at once.
  std::set<int64_t> waits;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    Backoff b(absl::Seconds(1), absl::Seconds(60), seed);
    for (int i = 0; i < 4; ++i) b.Next();
    waits.insert(absl::ToInt64Milliseconds(b.Next()));
  }
  EXPECT_GE(waits.size(), 8u);
}

TEST(BackoffTest, ResetStartsOver) {
  Backoff b(absl::Seconds(1), absl::Seconds(60), 7);
  for (int i = 0; i < 6; ++i) b.Next();
  b.Reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_LE(b.Next(), absl::Seconds(1));
}

}  // namespace
}  // namespace otasuke::agent
