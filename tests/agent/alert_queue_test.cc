#include "agent/pipeline/alert_queue.h"

#include <thread>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

using ::otasuke::testing::TempDir;

class AlertQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { state_ = *AgentState::Open(dir_.path(), "agent-q"); }

  otasuke::v1::Alert MakeAlert(const std::string& title) {
    otasuke::v1::Alert alert;
    alert.set_title(title);
    return alert;
  }
  std::vector<uint64_t> Drain(AlertQueue& q, size_t max = 100) {
    otasuke::v1::AlertBatch batch;
    q.NextBatch(&batch, max, 1 << 20, absl::Now());
    std::vector<uint64_t> seqs;
    for (const auto& a : batch.alerts()) seqs.push_back(a.sequence());
    return seqs;
  }

  TempDir dir_;
  std::unique_ptr<AgentState> state_;
  AgentCounters counters_;
};

TEST_F(AlertQueueTest, AssignsIncreasingSequencesAndSendsInOrder) {
  AlertQueue q({}, *state_, counters_);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.Push(MakeAlert("a")));
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(counters_.alerts_raised(), 5u);
  EXPECT_TRUE(Drain(q).empty()) << "sent alerts are not sent twice on one stream";
}

TEST_F(AlertQueueTest, KeepsUnackedAlertsAndResendsThemAfterRewind) {
  AlertQueue q({}, *state_, counters_);
  for (int i = 0; i < 5; ++i) q.Push(MakeAlert("a"));
  Drain(q);
  q.Ack(2);
  EXPECT_EQ(q.depth(), 3u);
  q.RewindUnsent();
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{3, 4, 5}));
  q.Ack(5);
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(q.acked(), 5u);
}

TEST_F(AlertQueueTest, AckOfPartiallySentQueueKeepsCursor) {
  AlertQueue q({}, *state_, counters_);
  for (int i = 0; i < 6; ++i) q.Push(MakeAlert("a"));
  EXPECT_EQ(Drain(q, 3), (std::vector<uint64_t>{1, 2, 3}));
  q.Ack(2);
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{4, 5, 6}));
}

TEST_F(AlertQueueTest, FullQueueRefusesAndCountsDrops) {
  AlertQueue q({.max_alerts = 3}, *state_, counters_);
  for (int i = 0; i < 5; ++i) q.Push(MakeAlert("a"));
  EXPECT_EQ(q.depth(), 3u);
  EXPECT_EQ(counters_.drops(otasuke::v1::DROP_REASON_QUEUE_FULL), 2u);
  // Refused alerts take no sequence: the stream the collector sees has no holes.
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{1, 2, 3}));
  q.Ack(3);
  ASSERT_TRUE(q.Push(MakeAlert("b")));
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{4}));
}

TEST_F(AlertQueueTest, ByteBoundIsEnforced) {
  AlertQueue q({.max_alerts = 1000, .max_bytes = 4096}, *state_, counters_);
  int accepted = 0;
  for (int i = 0; i < 20; ++i) accepted += q.Push(MakeAlert(std::string(1000, 'x')));
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(counters_.drops(otasuke::v1::DROP_REASON_QUEUE_FULL), 16u);
}

TEST_F(AlertQueueTest, InFlightWindowLimitsUnackedSends) {
  AlertQueue q({.max_in_flight = 2}, *state_, counters_);
  for (int i = 0; i < 5; ++i) q.Push(MakeAlert("a"));
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(Drain(q).empty());
  q.Ack(2);
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{3, 4}));
}

TEST_F(AlertQueueTest, InterruptWakesAWaitingReader) {
  AlertQueue q({}, *state_, counters_);
  std::thread waker([&] {
    absl::SleepFor(absl::Milliseconds(50));
    q.Interrupt();
  });
  otasuke::v1::AlertBatch batch;
  const absl::Time start = absl::Now();
  EXPECT_EQ(q.NextBatch(&batch, 10, 1 << 20, absl::Now() + absl::Seconds(30)), 0u);
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  waker.join();
}

TEST_F(AlertQueueTest, PushWakesAWaitingReader) {
  AlertQueue q({}, *state_, counters_);
  std::thread producer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    q.Push(MakeAlert("late"));
  });
  otasuke::v1::AlertBatch batch;
  EXPECT_EQ(q.NextBatch(&batch, 10, 1 << 20, absl::Now() + absl::Seconds(30)), 1u);
  producer.join();
}

}  // namespace
}  // namespace otasuke::agent
