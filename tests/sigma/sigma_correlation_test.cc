// Correlation rules: event_count, value_count, temporal, temporal_ordered, group-by with
// aliases, timespans, and bounded state with counted evictions.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/sigma/correlation.h"
#include "tests/sigma/sigma_test_util.h"

namespace otasuke::agent::sigma {
namespace {

using testing::MustCompile;

constexpr char kBase[] = R"(title: Logon attempt
id: base-logon
name: logon
logsource: {product: linux, category: process_creation}
detection:
  sel: {Image|endswith: /ssh}
  condition: sel
---
title: Sudo
id: base-sudo
name: sudo
logsource: {product: linux, category: process_creation}
detection:
  sel: {Image|endswith: /sudo}
  condition: sel
---
title: Curl
id: base-curl
name: curl
logsource: {product: linux, category: process_creation}
detection:
  sel: {Image|endswith: /curl}
  condition: sel
)";

class CorrelationTest : public ::testing::Test {
 protected:
  void Load(const std::string& correlation) {
    rules_ = MustCompile(std::string(kBase) + "---\n" + correlation);
    ASSERT_NE(rules_, nullptr);
    ASSERT_EQ(rules_->correlations().size(), 1u);
  }
  // Feeds one event at second `t`; returns correlation hits.
  std::vector<CorrelationHit> Feed(const std::string& image, int t, const std::string& user = "u",
                                   const std::string& host = "h") {
    Event e =
        testing::ProcessEvent({{"Image", image}, {"User", user}, {"Computer", host}}, "linux");
    e.set_time(absl::FromUnixSeconds(1000 + t));
    std::vector<uint32_t> matched;
    engine_.Match(*rules_, e, &matched);
    std::vector<CorrelationHit> hits;
    correlation_.Observe(*rules_, e, matched, &hits);
    return hits;
  }

  std::shared_ptr<const CompiledSigmaRules> rules_;
  SigmaEngine engine_;
  CorrelationEngine correlation_{/*max_groups=*/3, /*max_entries=*/100};
};

TEST_F(CorrelationTest, EventCountWithinTimespanPerGroup) {
  Load(R"(title: Many ssh
id: c1
correlation:
  type: event_count
  rules: [logon]
  group-by: [User]
  timespan: 60s
  condition: {gte: 3}
)");
  EXPECT_TRUE(Feed("/usr/bin/ssh", 0).empty());
  EXPECT_TRUE(Feed("/usr/bin/ssh", 10).empty());
  EXPECT_TRUE(Feed("/usr/bin/ssh", 20, "other").empty());  // other group
  auto hits = Feed("/usr/bin/ssh", 30);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].count, 3u);
  EXPECT_EQ(hits[0].group_key, "User=u");
  // The group starts over after firing; old events fall out of the window.
  EXPECT_TRUE(Feed("/usr/bin/ssh", 100).empty());
  EXPECT_TRUE(Feed("/usr/bin/ssh", 170).empty());
  EXPECT_TRUE(Feed("/usr/bin/ssh", 240).empty());
  // The base rule feeds the correlation only.
  EXPECT_FALSE(rules_->rules()[0].emits_alerts);
  EXPECT_TRUE(rules_->rules()[1].emits_alerts);
}

TEST_F(CorrelationTest, ValueCountDistinctValues) {
  Load(R"(title: ssh as many users
id: c2
correlation:
  type: value_count
  rules: [base-logon]
  group-by: [Computer]
  timespan: 5m
  condition: {field: User, gt: 2}
)");
  EXPECT_TRUE(Feed("/usr/bin/ssh", 0, "a").empty());
  EXPECT_TRUE(Feed("/usr/bin/ssh", 1, "a").empty());
  EXPECT_TRUE(Feed("/usr/bin/ssh", 2, "b").empty());
  auto hits = Feed("/usr/bin/ssh", 3, "c");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].count, 3u);
  EXPECT_EQ(hits[0].group_key, "Computer=h");
}

TEST_F(CorrelationTest, TemporalAnyOrder) {
  Load(R"(title: ssh and sudo
id: c3
correlation:
  type: temporal
  rules: [logon, sudo]
  group-by: [User]
  timespan: 30s
  generate: true
)");
  EXPECT_TRUE(Feed("/usr/bin/sudo", 0).empty());
  EXPECT_EQ(Feed("/usr/bin/ssh", 5).size(), 1u);
  EXPECT_TRUE(Feed("/usr/bin/ssh", 100).empty());
  EXPECT_TRUE(Feed("/usr/bin/sudo", 200).empty());  // too late
  EXPECT_TRUE(rules_->rules()[0].emits_alerts);     // generate: true
}

TEST_F(CorrelationTest, TemporalOrderedNeedsTheOrder) {
  Load(R"(title: ssh then sudo then curl
id: c4
correlation:
  type: temporal_ordered
  rules: [logon, sudo, curl]
  group-by: [User]
  timespan: 1m
)");
  EXPECT_TRUE(Feed("/usr/bin/curl", 0).empty());
  EXPECT_TRUE(Feed("/usr/bin/sudo", 1).empty());
  EXPECT_TRUE(Feed("/usr/bin/ssh", 2).empty());
  EXPECT_TRUE(Feed("/usr/bin/curl", 3).empty());  // sudo came before ssh: no chain yet
  EXPECT_TRUE(Feed("/usr/bin/sudo", 4).empty());
  auto hits = Feed("/usr/bin/curl", 5);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].count, 3u);
}

TEST_F(CorrelationTest, AliasesMapGroupFieldsPerRule) {
  Load(R"(title: same machine
id: c5
correlation:
  type: temporal
  rules: [logon, sudo]
  group-by: [host]
  timespan: 1m
  aliases:
    host:
      logon: Computer
      sudo: User
)");
  EXPECT_TRUE(Feed("/usr/bin/ssh", 0, "x", "pc9").empty());
  auto hits = Feed("/usr/bin/sudo", 1, "pc9", "other");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].group_key, "host=pc9");
}

TEST_F(CorrelationTest, StateIsBoundedAndEvictionsCounted) {
  Load(R"(title: Many ssh
id: c6
correlation:
  type: event_count
  rules: [logon]
  group-by: [User]
  timespan: 1h
  condition: {gte: 100}
)");
  for (int i = 0; i < 10; ++i) Feed("/usr/bin/ssh", i, "user" + std::to_string(i));
  EXPECT_LE(correlation_.group_count(), 3u);
  EXPECT_EQ(correlation_.stats().group_evictions, 7u);
}

TEST(CorrelationLoad, BadCorrelationsAreReported) {
  for (const char* c : {
           "title: x\nid: b1\ncorrelation: {type: weird, rules: [a], timespan: 1m}\n",
           "title: x\nid: b2\ncorrelation: {type: event_count, rules: [nope], timespan: 1m, "
           "condition: {gte: 1}}\n",
           "title: x\nid: b3\ncorrelation: {type: event_count, rules: [logon], timespan: 1m}\n",
           "title: x\nid: b4\ncorrelation: {type: value_count, rules: [logon], timespan: 1m, "
           "condition: {gte: 1}}\n",
           "title: x\nid: b5\ncorrelation: {type: temporal, rules: [logon], timespan: 1x}\n",
       }) {
    auto result =
        CompileSigmaRules({{.path = "c.yml", .content = std::string(kBase) + "---\n" + c}});
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result->report.errors.size(), 1u) << c;
    EXPECT_EQ(result->report.errors[0].code, "bad-correlation")
        << result->report.errors[0].ToString();
  }
}

}  // namespace
}  // namespace otasuke::agent::sigma
