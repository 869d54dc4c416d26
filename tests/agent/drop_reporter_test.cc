// The drop meta-alert: raised once drops happen, summarising them by reason, at most once per
// interval however many drops follow, and not again while nothing new was dropped.

#include "agent/pipeline/drop_reporter.h"

#include <vector>

#include "gtest/gtest.h"

namespace otasuke::agent {
namespace {

class CollectingSink final : public AlertSink {
 public:
  void Emit(otasuke::v1::Alert&& alert) override { alerts.push_back(std::move(alert)); }
  std::vector<otasuke::v1::Alert> alerts;
};

class DropReporterTest : public ::testing::Test {
 protected:
  AgentCounters counters_;
  CollectingSink sink_;
  ManualClock clock_{absl::FromUnixSeconds(1700000000)};
  DropReporter reporter_{counters_, sink_, clock_, absl::Minutes(1)};
};

TEST_F(DropReporterTest, NothingDroppedRaisesNothing) {
  EXPECT_FALSE(reporter_.Poll());
  counters_.CountDrop(otasuke::v1::DROP_REASON_SOURCE_OVERRUN, 5);  // events, not alerts
  EXPECT_FALSE(reporter_.Poll());
  EXPECT_TRUE(sink_.alerts.empty());
}

TEST_F(DropReporterTest, RaisesOneMetaAlertWithCountsByReason) {
  counters_.CountDrop(otasuke::v1::DROP_REASON_SPOOL_EVICTED, 7);
  counters_.CountDrop(otasuke::v1::DROP_REASON_SPOOL_FULL, 2);
  ASSERT_TRUE(reporter_.Poll());
  ASSERT_EQ(sink_.alerts.size(), 1u);
  const otasuke::v1::Alert& a = sink_.alerts[0];
  EXPECT_EQ(a.rule().engine(), otasuke::v1::ENGINE_AGENT);
  EXPECT_EQ(a.rule().rule_id(), kAlertsDroppedRuleId);
  EXPECT_EQ(a.severity(), otasuke::v1::SEVERITY_HIGH);
  EXPECT_NE(a.title().find("dropped 9 alerts"), std::string::npos) << a.title();
  EXPECT_EQ(a.raw_evidence(), "DROP_REASON_SPOOL_EVICTED=7, DROP_REASON_SPOOL_FULL=2");
  EXPECT_FALSE(a.explanation().ja().empty());
  EXPECT_FALSE(a.next_step().en().empty());
}

TEST_F(DropReporterTest, RateLimitedAndReportsOnlyNewDrops) {
  counters_.CountDrop(otasuke::v1::DROP_REASON_SPOOL_EVICTED, 1);
  ASSERT_TRUE(reporter_.Poll());
  for (int i = 0; i < 1000; ++i) {
    counters_.CountDrop(otasuke::v1::DROP_REASON_SPOOL_EVICTED);
    clock_.Advance(absl::Milliseconds(50));
    reporter_.Poll();
  }
  EXPECT_EQ(sink_.alerts.size(), 1u) << "50 s of drops: still within the interval";
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(reporter_.Poll());
  ASSERT_EQ(sink_.alerts.size(), 2u);
  EXPECT_EQ(sink_.alerts[1].raw_evidence(), "DROP_REASON_SPOOL_EVICTED=1000");
  clock_.Advance(absl::Minutes(5));
  EXPECT_FALSE(reporter_.Poll()) << "nothing new";
}

}  // namespace
}  // namespace otasuke::agent
