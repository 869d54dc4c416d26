// The alert queue over a real SQLite spool file: order, acks, rewinds, the in-flight window,
// restarts (what was committed is sent again, sequences continue above it), and the byte
// budget (lowest severity first, oldest first within a severity, every drop counted).

#include "agent/pipeline/alert_queue.h"

#include <thread>

#include "agent/pipeline/sqlite_alert_spool.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

using ::otasuke::testing::TempDir;
using otasuke::v1::Severity;

class AlertQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes and reopens state and spool, as a restarted agent does.
  void Reopen() {
    spool_.reset();
    state_ = *AgentState::Open(dir_.path(), "agent-q");
    spool_ = *SqliteAlertSpool::Open(dir_.file("alert-spool.db"));
  }
  std::unique_ptr<AlertQueue> MakeQueue(AlertQueueLimits limits = {}) {
    return std::make_unique<AlertQueue>(limits, *spool_, *state_, counters_);
  }

  static otasuke::v1::Alert MakeAlert(const std::string& title,
                                      Severity severity = otasuke::v1::SEVERITY_HIGH) {
    otasuke::v1::Alert alert;
    alert.set_title(title);
    alert.set_severity(severity);
    return alert;
  }
  // What one MakeAlert(title) costs in the budget.
  static uint64_t BudgetOf(const std::string& title) {
    return MakeAlert(title).ByteSizeLong() + 11 + AlertQueue::kRowOverheadBytes;
  }
  static std::vector<uint64_t> Drain(AlertQueue& q, size_t max = 100) {
    q.Flush(absl::Now() + absl::Seconds(10));
    otasuke::v1::AlertBatch batch;
    q.NextBatch(&batch, max, 1 << 20, absl::Now());
    std::vector<uint64_t> seqs;
    for (const auto& a : batch.alerts()) seqs.push_back(a.sequence());
    return seqs;
  }
  static std::vector<std::string> DrainTitles(AlertQueue& q) {
    q.Flush(absl::Now() + absl::Seconds(10));
    otasuke::v1::AlertBatch batch;
    q.NextBatch(&batch, 100, 1 << 20, absl::Now());
    std::vector<std::string> titles;
    for (const auto& a : batch.alerts()) titles.push_back(a.title());
    return titles;
  }

  TempDir dir_;
  std::unique_ptr<AgentState> state_;
  std::unique_ptr<SqliteAlertSpool> spool_;
  AgentCounters counters_;
};

TEST_F(AlertQueueTest, AssignsIncreasingSequencesAndSendsInOrder) {
  auto q = MakeQueue();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q->Push(MakeAlert("a")));
  EXPECT_EQ(Drain(*q), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(counters_.alerts_raised(), 5u) << "raised once committed to the spool";
  EXPECT_TRUE(Drain(*q).empty()) << "sent alerts are not sent twice on one stream";
}

TEST_F(AlertQueueTest, KeepsUnackedAlertsAndResendsThemAfterRewind) {
  auto q = MakeQueue();
  for (int i = 0; i < 5; ++i) q->Push(MakeAlert("a"));
  Drain(*q);
  q->Ack(2);
  EXPECT_EQ(q->depth(), 3u);
  q->RewindUnsent();
  EXPECT_EQ(Drain(*q), (std::vector<uint64_t>{3, 4, 5}));
  q->Ack(5);
  EXPECT_EQ(q->depth(), 0u);
  EXPECT_EQ(q->acked(), 5u);
}

TEST_F(AlertQueueTest, AckOfPartiallySentQueueKeepsCursor) {
  auto q = MakeQueue();
  for (int i = 0; i < 6; ++i) q->Push(MakeAlert("a"));
  EXPECT_EQ(Drain(*q, 3), (std::vector<uint64_t>{1, 2, 3}));
  q->Ack(2);
  EXPECT_EQ(Drain(*q), (std::vector<uint64_t>{4, 5, 6}));
}

TEST_F(AlertQueueTest, InFlightWindowLimitsUnackedSends) {
  auto q = MakeQueue({.max_in_flight = 2});
  for (int i = 0; i < 5; ++i) q->Push(MakeAlert("a"));
  EXPECT_EQ(Drain(*q), (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(Drain(*q).empty());
  q->Ack(2);
  EXPECT_EQ(Drain(*q), (std::vector<uint64_t>{3, 4}));
}

TEST_F(AlertQueueTest, PendingMemoryBoundRefusesAndCountsDrops) {
  auto q = MakeQueue({.max_bytes = 8});  // smaller than any alert
  EXPECT_FALSE(q->Push(MakeAlert("a")));
  EXPECT_EQ(counters_.drops(otasuke::v1::DROP_REASON_QUEUE_FULL), 1u);
  EXPECT_EQ(q->depth(), 0u);
}

TEST_F(AlertQueueTest, UnacknowledgedAlertsSurviveARestartAndSequencesContinue) {
  {
    auto q = MakeQueue();
    for (int i = 0; i < 5; ++i) q->Push(MakeAlert("before-" + std::to_string(i)));
    Drain(*q);
    q->Ack(2);
    q->Flush(absl::Now() + absl::Seconds(10));
  }
  Reopen();
  auto q = MakeQueue();
  EXPECT_EQ(q->depth(), 3u);
  q->Push(MakeAlert("after"));
  EXPECT_EQ(Drain(*q), (std::vector<uint64_t>{3, 4, 5, 1025}))
      << "kept alerts first, in order; new sequences above the reserved block";
}

TEST_F(AlertQueueTest, FullBudgetEvictsLowestSeverityOldestFirst) {
  // Room for exactly four alerts of this size.
  auto q = MakeQueue({.spool_max_bytes = 4 * BudgetOf("x0")});
  q->Push(MakeAlert("l1", otasuke::v1::SEVERITY_LOW));
  q->Push(MakeAlert("h1", otasuke::v1::SEVERITY_HIGH));
  q->Push(MakeAlert("l2", otasuke::v1::SEVERITY_LOW));
  q->Push(MakeAlert("m1", otasuke::v1::SEVERITY_MEDIUM));
  ASSERT_TRUE(q->Push(MakeAlert("h2", otasuke::v1::SEVERITY_HIGH)));    // evicts l1
  ASSERT_TRUE(q->Push(MakeAlert("m2", otasuke::v1::SEVERITY_MEDIUM)));  // evicts l2
  ASSERT_TRUE(q->Push(MakeAlert("m3", otasuke::v1::SEVERITY_MEDIUM)));  // evicts m1
  EXPECT_EQ(counters_.drops(otasuke::v1::DROP_REASON_SPOOL_EVICTED), 3u);
  EXPECT_EQ(DrainTitles(*q), (std::vector<std::string>{"h1", "h2", "m2", "m3"}));
  EXPECT_LE(q->stored_bytes(), 4 * BudgetOf("x0"));
}

TEST_F(AlertQueueTest, FullBudgetRefusesAnAlertLessSevereThanEverythingKept) {
  auto q = MakeQueue({.spool_max_bytes = 2 * BudgetOf("x0")});
  q->Push(MakeAlert("h1", otasuke::v1::SEVERITY_HIGH));
  q->Push(MakeAlert("h2", otasuke::v1::SEVERITY_HIGH));
  EXPECT_FALSE(q->Push(MakeAlert("l1", otasuke::v1::SEVERITY_LOW)));
  EXPECT_EQ(counters_.drops(otasuke::v1::DROP_REASON_SPOOL_FULL), 1u);
  EXPECT_EQ(DrainTitles(*q), (std::vector<std::string>{"h1", "h2"}));
}

TEST_F(AlertQueueTest, EvictedAlertsAreDeletedFromTheSpoolFile) {
  {
    auto q = MakeQueue({.spool_max_bytes = 2 * BudgetOf("x0")});
    q->Push(MakeAlert("l1", otasuke::v1::SEVERITY_LOW));
    q->Flush(absl::Now() + absl::Seconds(10));
    q->Push(MakeAlert("h1"));
    q->Push(MakeAlert("h2"));  // evicts the committed l1
    q->Flush(absl::Now() + absl::Seconds(10));
  }
  Reopen();
  auto q = MakeQueue();
  EXPECT_EQ(DrainTitles(*q), (std::vector<std::string>{"h1", "h2"}));
}

TEST_F(AlertQueueTest, ALowerBudgetAtRestartEvictsDownToIt) {
  {
    auto q = MakeQueue();
    q->Push(MakeAlert("l1", otasuke::v1::SEVERITY_LOW));
    q->Push(MakeAlert("h1"));
    q->Push(MakeAlert("m1", otasuke::v1::SEVERITY_MEDIUM));
  }
  Reopen();
  // Stored sizes are the bodies with their sequence (at most the 11 bytes counted at Push).
  auto q = MakeQueue({.spool_max_bytes = 2 * BudgetOf("x0")});
  EXPECT_EQ(counters_.drops(otasuke::v1::DROP_REASON_SPOOL_EVICTED), 1u);
  EXPECT_EQ(DrainTitles(*q), (std::vector<std::string>{"h1", "m1"}));
}

TEST_F(AlertQueueTest, UnreadableAlertInTheSpoolIsSkippedAndCounted) {
  SpoolCommit commit;
  otasuke::v1::Alert good = MakeAlert("good");
  good.set_sequence(2);
  commit.append.push_back({.sequence = 1,
                           .severity = otasuke::v1::SEVERITY_HIGH,
                           .body = std::string("\xff\xff\xff\xff", 4)});
  commit.append.push_back(
      {.sequence = 2, .severity = otasuke::v1::SEVERITY_HIGH, .body = good.SerializeAsString()});
  ASSERT_TRUE(spool_->Apply(commit).ok());
  auto q = MakeQueue();
  EXPECT_EQ(DrainTitles(*q), (std::vector<std::string>{"good"}));
  EXPECT_EQ(counters_.drops(otasuke::v1::DROP_REASON_SPOOL_CORRUPT), 1u);
  EXPECT_EQ(q->depth(), 1u);
}

TEST_F(AlertQueueTest, InterruptWakesAWaitingReader) {
  auto q = MakeQueue();
  std::thread waker([&] {
    absl::SleepFor(absl::Milliseconds(50));
    q->Interrupt();
  });
  otasuke::v1::AlertBatch batch;
  const absl::Time start = absl::Now();
  EXPECT_EQ(q->NextBatch(&batch, 10, 1 << 20, absl::Now() + absl::Seconds(30)), 0u);
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  waker.join();
}

TEST_F(AlertQueueTest, CommitWakesAWaitingReader) {
  auto q = MakeQueue();
  std::thread producer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    q->Push(MakeAlert("late"));
  });
  otasuke::v1::AlertBatch batch;
  EXPECT_EQ(q->NextBatch(&batch, 10, 1 << 20, absl::Now() + absl::Seconds(30)), 1u);
  producer.join();
}

}  // namespace
}  // namespace otasuke::agent
