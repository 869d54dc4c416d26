// The writer's ingest inputs: IngestBatch packs each alert's columns, body and group keys into
// one buffer (views into it are what the writer binds without a copy), and OpenIncidentCache
// remembers where group keys lead until another connection commits or it is full.

#include "collector/store/ingest_batch.h"

#include "collector/incident/grouper_chain.h"
#include "collector/store/open_incident_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::testing::IsOk;
using ::testing::ElementsAreArray;
using ::testing::Optional;

std::vector<std::string> Strings(std::span<const std::string_view> views) {
  return std::vector<std::string>(views.begin(), views.end());
}

TEST(IngestBatchTest, PacksEveryColumnBodyAndGroupKeyOfEachAlert) {
  auto grouper = GrouperChain::Create(std::string(kDefaultGroupBy), absl::Hours(1));
  ASSERT_THAT(grouper, IsOk());
  std::vector<v1::Alert> alerts = {MakeAlert(7, "rule-a", v1::SEVERITY_HIGH, "pc-01"),
                                   MakeAlert(9, "rule-b", v1::SEVERITY_LOW, "")};
  for (v1::Alert& alert : alerts) {
    alert.set_agent_id("agent-1");
    alert.set_tenant_id("tenant-a");
    alert.mutable_rule()->set_ruleset_version("2026-11-22");
    alert.mutable_detection_time()->set_nanos(123'456'789);
  }
  alerts[1].clear_title();

  IngestBatch batch(alerts, **grouper);

  ASSERT_EQ(batch.alerts().size(), 2u);
  for (size_t i = 0; i < alerts.size(); ++i) {
    SCOPED_TRACE(i);
    const v1::Alert& alert = alerts[i];
    const PackedAlert& packed = batch.alerts()[i];
    EXPECT_EQ(packed.uuid, alert.uuid());
    EXPECT_EQ(packed.agent_id, "agent-1");
    EXPECT_EQ(packed.tenant_id, "tenant-a");
    EXPECT_EQ(packed.hostname, alert.hostname());
    EXPECT_EQ(packed.title, alert.title());
    EXPECT_EQ(packed.rule_id, alert.rule().rule_id());
    EXPECT_EQ(packed.ruleset_version, "2026-11-22");
    EXPECT_EQ(packed.sequence, alert.sequence());
    EXPECT_EQ(packed.rule_engine, v1::ENGINE_SIGMA);
    EXPECT_EQ(packed.rule_revision, 1);
    EXPECT_EQ(packed.severity, alert.severity());
    EXPECT_EQ(packed.event_time_us, alert.event_time().seconds() * 1'000'000);
    EXPECT_EQ(packed.detection_time_us, alert.detection_time().seconds() * 1'000'000 + 123'456);
    v1::Alert parsed;
    ASSERT_TRUE(parsed.ParseFromArray(packed.body.data(), static_cast<int>(packed.body.size())));
    EXPECT_EQ(parsed.SerializeAsString(), alert.SerializeAsString());
    std::vector<std::string> keys;
    (*grouper)->GroupKeys(alert, &keys);
    EXPECT_THAT(Strings(packed.group_keys), ElementsAreArray(keys));
  }
  // An empty column is an empty text, not a null pointer (SQLite would bind NULL).
  EXPECT_NE(batch.alerts()[1].hostname.data(), nullptr);
  EXPECT_NE(batch.alerts()[1].title.data(), nullptr);
}

TEST(IngestBatchTest, AnEmptyBatchHasNoAlerts) {
  auto grouper = GrouperChain::Create(std::string(kDefaultGroupBy), absl::Hours(1));
  ASSERT_THAT(grouper, IsOk());
  IngestBatch batch({}, **grouper);
  EXPECT_TRUE(batch.alerts().empty());
}

TEST(OpenIncidentCacheTest, RemembersKeysAndLastSeenUntilAnotherConnectionCommits) {
  OpenIncidentCache cache(100);
  cache.Validate(1);
  EXPECT_EQ(cache.Find("rule:a"), std::nullopt);
  cache.SetKey("rule:none", 0);  // known to lead nowhere
  cache.SetKey("rule:a", 42);
  EXPECT_EQ(cache.Find("rule:a"), std::nullopt);  // its incident's last_seen is unknown: ask
  cache.SetLastSeen(42, 1000);
  auto found = cache.Find("rule:a");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->incident_id, 42);
  EXPECT_EQ(found->last_seen_us, 1000);
  EXPECT_THAT(cache.Find("rule:none"),
              Optional(::testing::Field(&OpenIncidentCache::Lookup::incident_id, 0)));

  cache.Validate(1);  // only this connection wrote: still valid
  EXPECT_TRUE(cache.Find("rule:a").has_value());
  cache.Validate(2);  // another connection committed
  EXPECT_EQ(cache.Find("rule:a"), std::nullopt);
  EXPECT_EQ(cache.Find("rule:none"), std::nullopt);
  EXPECT_EQ(cache.clears(), 1u);
}

TEST(OpenIncidentCacheTest, StartsOverWhenFull) {
  OpenIncidentCache cache(2);
  cache.SetKey("a", 0);
  cache.SetKey("b", 0);
  cache.SetKey("b", 0);  // an update, not a new key
  EXPECT_EQ(cache.size(), 2u);
  cache.SetKey("c", 0);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Find("a"), std::nullopt);
  EXPECT_TRUE(cache.Find("c").has_value());
}

}  // namespace
}  // namespace otasuke::collector
