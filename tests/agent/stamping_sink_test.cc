#include "agent/pipeline/stamping_sink.h"

#include "agent/pipeline/sqlite_alert_spool.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

class StampingSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = *AgentState::Open(dir_.path(), "agent-s");
    spool_ = *SqliteAlertSpool::Open(dir_.file("alert-spool.db"));
    queue_ = std::make_unique<AlertQueue>(AlertQueueLimits{}, *spool_, *state_, counters_);
  }
  otasuke::v1::Alert Next() {
    otasuke::v1::AlertBatch batch;
    queue_->Flush(absl::Now() + absl::Seconds(5));
    queue_->NextBatch(&batch, 1, 1 << 20, absl::Now());
    return batch.alerts_size() ? batch.alerts(0) : otasuke::v1::Alert();
  }

  otasuke::testing::TempDir dir_;
  AgentCounters counters_;
  std::unique_ptr<AgentState> state_;
  std::unique_ptr<SqliteAlertSpool> spool_;
  std::unique_ptr<AlertQueue> queue_;
  ManualClock clock_{absl::FromUnixSeconds(1700000000)};
};

TEST_F(StampingSinkTest, StampsIdentityAndTimes) {
  StampingSink sink({"tenant-1", "agent-s", "pc-1"}, 1 << 20, *queue_, counters_, clock_);
  otasuke::v1::Alert alert;
  alert.set_title("x");
  sink.Emit(std::move(alert));
  otasuke::v1::Alert got = Next();
  EXPECT_TRUE(IsUuid(got.uuid()));
  EXPECT_EQ(got.tenant_id(), "tenant-1");
  EXPECT_EQ(got.agent_id(), "agent-s");
  EXPECT_EQ(got.hostname(), "pc-1");
  EXPECT_EQ(got.sequence(), 1u);
  EXPECT_EQ(got.detection_time().seconds(), 1700000000);
  EXPECT_EQ(got.event_time().seconds(), 1700000000) << "event time defaults to detection time";
}

TEST_F(StampingSinkTest, BoundsRawEvidenceAndLongTextOnUtf8Boundaries) {
  StampingSink sink({"t", "a", "h"}, 1 << 20, *queue_, counters_, clock_);
  otasuke::v1::Alert alert;
  alert.set_raw_evidence(std::string(100000, 'r'));
  std::string cmd;
  for (int i = 0; i < 5000; ++i) cmd += "日本";  // 3-byte characters
  alert.mutable_process()->set_command_line(cmd);
  sink.Emit(std::move(alert));
  otasuke::v1::Alert got = Next();
  EXPECT_EQ(got.raw_evidence().size(), kMaxRawEvidenceBytes);
  EXPECT_LE(got.process().command_line().size(), kMaxTextFieldBytes);
  EXPECT_EQ(got.process().command_line().size() % 3, 0u) << "no split UTF-8 character";
}

TEST_F(StampingSinkTest, AlertOverTheMessageLimitIsDroppedAndCounted) {
  StampingSink sink({"t", "a", "h"}, 2000, *queue_, counters_, clock_);
  otasuke::v1::Alert alert;
  for (int i = 0; i < 200; ++i) alert.add_mitre_attack("T1059.004");
  sink.Emit(std::move(alert));
  EXPECT_EQ(queue_->depth(), 0u);
  EXPECT_EQ(counters_.drops(otasuke::v1::DROP_REASON_OVERSIZED), 1u);
}

}  // namespace
}  // namespace otasuke::agent
