// SqliteStore on real database files: idempotent ingest, migrations, incident grouping with a
// ManualClock, rule sets and the audit log.

#include <algorithm>
#include <filesystem>
#include <future>

#include "absl/strings/str_cat.h"
#include "collector/incident/rule_window_grouper.h"
#include "collector/notify/notification_log.h"
#include "collector/server/audit_service.h"
#include "collector/store/schema.h"
#include "collector/store/sqlite_store.h"
#include "common/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/store_helpers.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::Count;
using ::otasuke::collector::testing::Ingest;
using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::Upsert;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open(std::vector<NotificationChannel> channels = {}) {
    store_.reset();
    SqliteStore::Options options;
    options.path = path_;
    options.notification_channels = std::move(channels);
    auto store = SqliteStore::Open(std::move(options), clock_, grouper_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
  }

  otasuke::testing::TempDir dir_;
  std::string path_ = dir_.file("collector.db");
  ManualClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  RuleWindowGrouper grouper_{absl::Hours(1)};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(StoreTest, HelloReportsHighestStoredSequence) {
  auto state = Upsert(*store_, MakeHello("agent-1"));
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->acked_sequence, 0u);
  ASSERT_THAT(Ingest(*store_, "agent-1", {MakeAlert(1), MakeAlert(2), MakeAlert(7)}), IsOk());
  state = Upsert(*store_, MakeHello("agent-1"));
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->acked_sequence, 7u);  // jumps are fine: no contiguity demanded
  auto agents = store_->ListAgents("");
  ASSERT_THAT(agents, IsOk());
  ASSERT_EQ(agents->size(), 1u);
  EXPECT_EQ((*agents)[0].tenant_id(), "tenant-a");
  EXPECT_TRUE((*agents)[0].connected());
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM tenants WHERE id = 'tenant-a'"), 1);
}

TEST_F(StoreTest, ResentAlertsAreNotStoredTwice) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  std::vector<v1::Alert> first = {MakeAlert(1), MakeAlert(2), MakeAlert(3)};
  auto result = Ingest(*store_, "agent-1", first);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->stored, 3);
  EXPECT_EQ(result->acked_sequence, 3u);
  // A reconnecting agent resends 2..3 and adds 4.
  std::vector<v1::Alert> resend = {first[1], first[2], MakeAlert(4)};
  result = Ingest(*store_, "agent-1", resend);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->stored, 1);
  EXPECT_EQ(result->duplicates, 2);
  EXPECT_EQ(result->acked_sequence, 4u);
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM alerts"), 4);
}

TEST_F(StoreTest, SameUuidUnderANewSequenceIsADuplicate) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  v1::Alert alert = MakeAlert(1);
  ASSERT_THAT(Ingest(*store_, "agent-1", {alert}), IsOk());
  alert.set_sequence(5);
  auto result = Ingest(*store_, "agent-1", {alert});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->stored, 0);
  EXPECT_EQ(result->duplicates, 1);
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM alerts"), 1);
}

// A resend under a new sequence joins no incident: not when its incident is open (the insert
// finds the UUID), and not by opening a new one when its incident was resolved meanwhile.
TEST_F(StoreTest, AResendUnderANewSequenceNeverCountsNorOpensAnIncident) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  v1::Alert alert = MakeAlert(1);
  ASSERT_THAT(Ingest(*store_, "agent-1", {alert}), IsOk());
  alert.set_sequence(2);
  ASSERT_THAT(Ingest(*store_, "agent-1", {alert, MakeAlert(3)}), IsOk());
  EXPECT_EQ(Count(path_, "SELECT alert_count FROM incidents"), 2);
  {
    auto db = SqliteDb::Open(path_, {});
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(
        (*db)->Exec(absl::StrCat("UPDATE incidents SET state = ", v1::INCIDENT_STATE_RESOLVED)),
        IsOk());
  }
  alert.set_sequence(4);
  auto result = Ingest(*store_, "agent-1", {alert});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->duplicates, 1);
  EXPECT_EQ(result->stored, 0);
  EXPECT_TRUE(result->new_incident_ids.empty());
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM alerts"), 2);
}

// The store replaces SQLite's automatic checkpoint with its own threshold: the write-ahead log
// stays near it however much is written.
TEST_F(StoreTest, CheckpointsKeepTheLogBounded) {
  store_.reset();
  SqliteStore::Options options;
  options.path = path_;
  options.checkpoint_pages = 16;
  auto store = SqliteStore::Open(std::move(options), clock_, grouper_);
  ASSERT_THAT(store, IsOk());
  ASSERT_THAT(Upsert(**store, MakeHello("agent-1")), IsOk());
  uint64_t sequence = 0;
  for (int batch = 0; batch < 40; ++batch) {
    std::vector<v1::Alert> alerts;
    for (int i = 0; i < 25; ++i) alerts.push_back(MakeAlert(++sequence));
    ASSERT_THAT(Ingest(**store, "agent-1", std::move(alerts)), IsOk());
  }
  EXPECT_GT((*store)->counters().checkpoints, 0u);
  // 1,000 alerts are about 1 MiB of pages; without checkpoints the log would hold them all.
  EXPECT_LT(std::filesystem::file_size(path_ + "-wal"), 16 * 4096 + 512 * 1024);
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM alerts"), 1000);
}

TEST_F(StoreTest, ReusedSequenceWithANewUuidIsReportedNotStored) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  ASSERT_THAT(Ingest(*store_, "agent-1", {MakeAlert(1), MakeAlert(2)}), IsOk());
  auto result = Ingest(*store_, "agent-1", {MakeAlert(2), MakeAlert(3)});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->stale_sequence, 1);
  EXPECT_EQ(result->duplicates, 0);
  EXPECT_EQ(result->stored, 1);
  EXPECT_EQ(Count(path_,
                  "SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'alerts.stale_sequence' AND target = 'agent-1'"),
            1);
}

TEST_F(StoreTest, AlertsSurviveReopen) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  ASSERT_THAT(Ingest(*store_, "agent-1", {MakeAlert(1), MakeAlert(2)}), IsOk());
  Open();
  auto agents = store_->ListAgents("");
  ASSERT_THAT(agents, IsOk());
  EXPECT_FALSE((*agents)[0].connected());  // no stream survives a restart
  EXPECT_EQ((*agents)[0].acked_sequence(), 2u);
  auto alerts = store_->ListAlerts({});
  ASSERT_THAT(alerts, IsOk());
  ASSERT_EQ(alerts->size(), 2u);
  EXPECT_EQ((*alerts)[0].sequence(), 2u);  // newest first
  EXPECT_EQ((*alerts)[0].process().user(), "yamada");
}

TEST_F(StoreTest, AlertsForAnUnknownAgentFailAloneInTheirTransaction) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  // Queue both before waiting, so they share one transaction.
  std::promise<absl::StatusOr<IngestResult>> bad, good;
  v1::Alert stray = MakeAlert(1);
  stray.set_agent_id("ghost");
  v1::Alert fine = MakeAlert(1);
  fine.set_agent_id("agent-1");
  fine.set_tenant_id("tenant-a");
  store_->IngestAlerts("ghost", {stray}, [&](auto r) { bad.set_value(r); });
  store_->IngestAlerts("agent-1", {fine}, [&](auto r) { good.set_value(r); });
  EXPECT_THAT(bad.get_future().get(), StatusIs(absl::StatusCode::kNotFound, "unknown agent"));
  EXPECT_THAT(good.get_future().get(), IsOk());
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM alerts"), 1);
}

TEST_F(StoreTest, AWriteAfterAFailedOneOfItsChainFailsUnapplied) {
  // A stream that read ahead queued three writes; the first fails (no Hello stored yet). The
  // Hello that lands between them must not let the third through: it would advance
  // acked_sequence past the first write's alerts, which the agent would then drop.
  auto chain = std::make_shared<WriteChain>();
  std::promise<absl::StatusOr<IngestResult>> first, third, alone;
  std::promise<absl::StatusOr<AgentState>> hello;
  v1::Alert lost = MakeAlert(1);
  lost.set_agent_id("agent-1");
  lost.set_tenant_id("tenant-a");
  v1::Alert later = MakeAlert(2);
  later.set_agent_id("agent-1");
  later.set_tenant_id("tenant-a");
  v1::Alert unchained = MakeAlert(3);
  unchained.set_agent_id("agent-1");
  unchained.set_tenant_id("tenant-a");
  store_->IngestAlerts("agent-1", {lost}, chain, [&](auto r) { first.set_value(r); });
  store_->UpsertAgent(MakeHello("agent-1"), [&](auto s) { hello.set_value(s); });
  store_->IngestAlerts("agent-1", {later}, chain, [&](auto r) { third.set_value(r); });
  store_->IngestAlerts("agent-1", {unchained}, [&](auto r) { alone.set_value(r); });
  EXPECT_THAT(first.get_future().get(), StatusIs(absl::StatusCode::kNotFound, "unknown agent"));
  EXPECT_THAT(hello.get_future().get(), IsOk());
  EXPECT_THAT(third.get_future().get(),
              StatusIs(absl::StatusCode::kAborted, "an earlier write of this agent stream failed"));
  EXPECT_TRUE(chain->broken());
  // Writes outside the broken chain (a new stream of the agent) go on.
  absl::StatusOr<IngestResult> result = alone.get_future().get();
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->stored, 1);
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM alerts"), 1);
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM alerts WHERE sequence = 2"), 0);
}

TEST_F(StoreTest, GroupsAlertsIntoIncidentsWithinTheWindow) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  ASSERT_THAT(Ingest(*store_, "agent-1", {MakeAlert(1, "rule-1", v1::SEVERITY_LOW)}), IsOk());
  clock_.Advance(absl::Minutes(50));
  ASSERT_THAT(Ingest(*store_, "agent-1", {MakeAlert(2, "rule-1", v1::SEVERITY_HIGH)}), IsOk());
  clock_.Advance(absl::Minutes(50));  // 50 min after the last alert: still the same incident
  ASSERT_THAT(Ingest(*store_, "agent-1",
                     {MakeAlert(3, "rule-1", v1::SEVERITY_MEDIUM),
                      MakeAlert(4, "rule-2", v1::SEVERITY_LOW)}),
              IsOk());
  auto incidents = store_->ListIncidents({});
  ASSERT_THAT(incidents, IsOk());
  ASSERT_EQ(incidents->size(), 2u);
  const v1::Incident& rule1 = (*incidents)[1];  // newest first
  EXPECT_EQ(rule1.rule().rule_id(), "rule-1");
  EXPECT_EQ(rule1.alert_count(), 3u);
  EXPECT_EQ(rule1.severity(), v1::SEVERITY_HIGH);  // the maximum
  EXPECT_EQ(rule1.state(), v1::INCIDENT_STATE_NEW);
  EXPECT_EQ(rule1.first_seen().seconds(), 1'800'000'000);
  EXPECT_EQ(rule1.last_seen().seconds(), 1'800'000'000 + 100 * 60);
  EXPECT_EQ((*incidents)[0].rule().rule_id(), "rule-2");
  EXPECT_EQ((*incidents)[0].alert_count(), 1u);
}

TEST_F(StoreTest, OneBatchCountsEveryAlertOfItsIncidents) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  ASSERT_THAT(Ingest(*store_, "agent-1", {MakeAlert(1, "rule-1")}), IsOk());
  std::vector<v1::Alert> batch;
  for (uint64_t seq = 2; seq <= 6; ++seq) batch.push_back(MakeAlert(seq, "rule-1"));
  batch.push_back(MakeAlert(7, "rule-2", v1::SEVERITY_CRITICAL));
  batch.push_back(MakeAlert(8, "rule-2", v1::SEVERITY_LOW));
  auto result = Ingest(*store_, "agent-1", batch);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->stored, 7);
  EXPECT_EQ(result->new_incident_ids.size(), 1u);  // rule-2's
  auto incidents = store_->ListIncidents({});
  ASSERT_THAT(incidents, IsOk());
  ASSERT_EQ(incidents->size(), 2u);
  EXPECT_EQ((*incidents)[1].alert_count(), 6u);
  EXPECT_EQ((*incidents)[0].alert_count(), 2u);
  EXPECT_EQ((*incidents)[0].severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM alerts WHERE incident_id IS NULL"), 0);
}

TEST_F(StoreTest, AnAlertAfterTheWindowOpensANewIncident) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  auto first = Ingest(*store_, "agent-1", {MakeAlert(1)});
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->new_incident_ids.size(), 1u);
  clock_.Advance(absl::Hours(1) + absl::Seconds(1));
  auto second = Ingest(*store_, "agent-1", {MakeAlert(2)});
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->new_incident_ids.size(), 1u);
  EXPECT_NE(second->new_incident_ids[0], first->new_incident_ids[0]);
  auto incidents = store_->ListIncidents({});
  ASSERT_THAT(incidents, IsOk());
  ASSERT_EQ(incidents->size(), 2u);
  EXPECT_NE((*incidents)[0].dedup_key(), (*incidents)[1].dedup_key());
}

TEST_F(StoreTest, DifferentHostsAndTenantsNeverShareAnIncident) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1", "tenant-a", "pc-01")), IsOk());
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-2", "tenant-b", "pc-01")), IsOk());
  ASSERT_THAT(Ingest(*store_, "agent-1",
                     {MakeAlert(1, "rule-1", v1::SEVERITY_LOW, "pc-01"),
                      MakeAlert(2, "rule-1", v1::SEVERITY_LOW, "pc-02")}),
              IsOk());
  v1::Alert other = MakeAlert(1);
  other.set_tenant_id("tenant-b");
  ASSERT_THAT(Ingest(*store_, "agent-2", {other}), IsOk());
  auto incidents = store_->ListIncidents({});
  ASSERT_THAT(incidents, IsOk());
  EXPECT_EQ(incidents->size(), 3u);
  auto tenant_b = store_->ListIncidents({.tenant_id = "tenant-b"});
  ASSERT_THAT(tenant_b, IsOk());
  EXPECT_EQ(tenant_b->size(), 1u);
}

// The dedup key of an incident opened under `alert`'s rule key.
std::string RuleDedupKey(const IncidentGrouper& grouper, const v1::Alert& alert, absl::Time at) {
  std::vector<std::string> keys;
  grouper.GroupKeys(alert, &keys);
  EXPECT_EQ(keys.size(), 1u);
  return grouper.DedupKey(keys.front(), at);
}

TEST(RuleWindowGrouperTest, DedupKeyStaysWithinPagerDutyLimit) {
  RuleWindowGrouper grouper(absl::Hours(1));
  v1::Alert alert = MakeAlert(1, std::string(300, 'r'), v1::SEVERITY_LOW, std::string(250, 'h'));
  alert.set_tenant_id("tenant-a");
  std::string key = RuleDedupKey(grouper, alert, absl::FromUnixSeconds(1));
  EXPECT_LE(key.size(), kMaxDedupKeyLength);
  v1::Alert other = alert;
  other.mutable_rule()->set_rule_id(std::string(299, 'r') + "s");
  EXPECT_NE(RuleDedupKey(grouper, other, absl::FromUnixSeconds(1)), key);
  v1::Alert short_alert = MakeAlert(1);
  short_alert.set_tenant_id("t");
  EXPECT_EQ(RuleDedupKey(grouper, short_alert, absl::FromUnixSeconds(2)),
            "otasuke/t/pc-01/ENGINE_SIGMA:rule-1/2000000");
}

TEST_F(StoreTest, NewIncidentsQueueANotificationPerChannel) {
  Open({{.channel = "webhook", .target = "http://127.0.0.1:9/hook"}});
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  ASSERT_THAT(Ingest(*store_, "agent-1", {MakeAlert(1), MakeAlert(2)}), IsOk());
  auto due = store_->DueNotifications(clock_.Now(), 10);
  ASSERT_THAT(due, IsOk());
  ASSERT_EQ(due->size(), 1u);  // one incident, one notification
  EXPECT_EQ((*due)[0].channel, "webhook");
  EXPECT_EQ((*due)[0].alert.sequence(), 1u);
  EXPECT_EQ((*due)[0].incident.hostname(), "pc-01");
}

TEST_F(StoreTest, RuleSetsAndStatusesAreAudited) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  v1::RuleSet all;
  all.set_version("v1");
  all.add_files()->set_path("a.yml");
  v1::RuleSet only_b = all;
  only_b.set_version("v2-b");
  ASSERT_THAT(AwaitWrite([&](Store::Done d) { store_->StoreRuleSet(all, "", "test", d); }), IsOk());
  ASSERT_THAT(
      AwaitWrite([&](Store::Done d) { store_->StoreRuleSet(only_b, "tenant-b", "test", d); }),
      IsOk());
  auto latest_a = store_->LatestRuleSet("tenant-a");
  ASSERT_THAT(latest_a, IsOk());
  ASSERT_TRUE(latest_a->has_value());
  EXPECT_EQ((*latest_a)->version(), "v1");
  auto latest_b = store_->LatestRuleSet("tenant-b");
  ASSERT_THAT(latest_b, IsOk());
  EXPECT_EQ((*latest_b)->version(), "v2-b");

  v1::RuleSetStatus rejected;
  rejected.set_version("v1");
  rejected.set_error("a.yml:3: unknown modifier 'foo'");
  ASSERT_THAT(
      AwaitWrite([&](Store::Done d) { store_->RecordRuleSetStatus("agent-1", rejected, d); }),
      IsOk());
  EXPECT_EQ(Count(path_,
                  "SELECT COUNT(*) FROM audit_log WHERE action = 'ruleset.rejected' AND "
                  "detail LIKE '%unknown modifier%' AND tenant_id = 'tenant-a'"),
            1);
  v1::RuleSetStatus accepted;
  accepted.set_version("v1");
  accepted.set_accepted(true);
  ASSERT_THAT(
      AwaitWrite([&](Store::Done d) { store_->RecordRuleSetStatus("agent-1", accepted, d); }),
      IsOk());
  auto agents = store_->ListAgents("tenant-a");
  ASSERT_THAT(agents, IsOk());
  EXPECT_EQ((*agents)[0].ruleset_version(), "v1");
  EXPECT_EQ(Count(path_, "SELECT COUNT(*) FROM audit_log WHERE action = 'ruleset.pushed'"), 2);
}

TEST_F(StoreTest, HeartbeatUpdatesTheAgentRow) {
  ASSERT_THAT(Upsert(*store_, MakeHello("agent-1")), IsOk());
  v1::Heartbeat heartbeat;
  heartbeat.set_uptime_seconds(99);
  heartbeat.set_queue_depth(3);
  clock_.Advance(absl::Minutes(1));
  ASSERT_THAT(AwaitWrite([&](Store::Done d) { store_->RecordHeartbeat("agent-1", heartbeat, d); }),
              IsOk());
  auto agents = store_->ListAgents("");
  ASSERT_THAT(agents, IsOk());
  EXPECT_EQ((*agents)[0].last_heartbeat().uptime_seconds(), 99u);
  EXPECT_EQ((*agents)[0].last_seen().seconds(), 1'800'000'060);
  ASSERT_THAT(AwaitWrite([&](Store::Done d) { store_->MarkDisconnected("agent-1", d); }), IsOk());
  agents = store_->ListAgents("");
  EXPECT_FALSE((*agents)[0].connected());
}

TEST(SchemaTest, MigratesAnExistingDatabaseKeepingItsData) {
  otasuke::testing::TempDir dir;
  std::string path = dir.file("old.db");
  {
    auto db = SqliteDb::Open(path, {});
    ASSERT_THAT(db, IsOk());
    // A database as the first release left it: only migration 1.
    auto version = ApplyMigrations(**db, AllMigrations().subspan(0, 1));
    ASSERT_THAT(version, IsOk());
    EXPECT_EQ(*version, 1);
    ASSERT_THAT((*db)->Exec("INSERT INTO tenants VALUES ('t', 't', 1); INSERT INTO agents (id, "
                            "tenant_id, first_seen, last_seen, acked_sequence) VALUES ('a', 't', "
                            "1, 1, 41)"),
                IsOk());
  }
  ManualClock clock(absl::FromUnixSeconds(1));
  RuleWindowGrouper grouper(absl::Hours(1));
  auto store = SqliteStore::Open({.path = path}, clock, grouper);
  ASSERT_THAT(store, IsOk());
  auto agents = (*store)->ListAgents("");
  ASSERT_THAT(agents, IsOk());
  ASSERT_EQ(agents->size(), 1u);
  EXPECT_EQ((*agents)[0].acked_sequence(), 41u);
  (*store).reset();
  auto db = SqliteDb::Open(path, {});
  ASSERT_THAT(db, IsOk());
  auto version = SchemaVersion(**db);
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(*version, AllMigrations().back().version);
  EXPECT_THAT((*db)->Exec("SELECT COUNT(*) FROM notification_attempts"), IsOk());
}

// The query plan SQLite chooses for `sql` on the database at `path`: each step's detail, "; "
// after each.
std::string QueryPlan(const std::string& path, std::string_view sql) {
  std::string details;
  auto db = SqliteDb::Open(path, {});
  EXPECT_THAT(db, IsOk());
  const std::string explain = absl::StrCat("EXPLAIN QUERY PLAN ", Sv(sql));
  auto stmt = (*db)->Prepare(explain.c_str());
  EXPECT_THAT(stmt, IsOk());
  while (true) {
    auto row = stmt->Step();
    if (!row.ok() || !*row) break;
    absl::StrAppend(&details, stmt->Text(3), "; ");
  }
  return details;
}

// The console's alert and incident lists (a viewer's are always for one tenant) find a
// tenant's rows through an index instead of walking every tenant's: one statement per set of
// filters (`?1 = '' OR tenant_id = ?1` could use none), and what each returns.
TEST(SchemaTest, ConsoleListsSelectATenantByIndex) {
  otasuke::testing::TempDir dir;
  ManualClock clock(absl::FromUnixSeconds(1));
  RuleWindowGrouper grouper(absl::Hours(1));
  const std::string path = dir.file("c.db");
  auto store = SqliteStore::Open({.path = path}, clock, grouper);
  ASSERT_THAT(store, IsOk());

  const std::string tenant_alerts = QueryPlan(path, AlertListSql({.tenant_id = "t"}));
  EXPECT_THAT(tenant_alerts, HasSubstr("SEARCH i USING COVERING INDEX incidents_by_tenant"));
  EXPECT_THAT(tenant_alerts, HasSubstr("SEARCH a USING INDEX alerts_by_incident"));
  EXPECT_THAT(tenant_alerts, Not(HasSubstr("SCAN")));
  EXPECT_THAT(QueryPlan(path, AlertListSql({.tenant_id = "t", .agent_id = "x"})),
              HasSubstr("INDEX incidents_by_tenant"));
  // Unfiltered: newest first along the primary key, stopping at the limit (no sort).
  EXPECT_THAT(QueryPlan(path, AlertListSql({})), Not(HasSubstr("TEMP B-TREE")));
  const std::string tenant_incidents = QueryPlan(path, IncidentListSql({.tenant_id = "t"}));
  EXPECT_THAT(tenant_incidents,
              HasSubstr("SEARCH i USING INDEX incidents_by_tenant (tenant_id=?)"));
  EXPECT_THAT(tenant_incidents, Not(HasSubstr("TEMP B-TREE")));
  EXPECT_THAT(QueryPlan(path, IncidentListSql({.id = 7, .tenant_id = "t"})),
              HasSubstr("USING INTEGER PRIMARY KEY"));
  EXPECT_THAT(QueryPlan(path, IncidentListSql({})), Not(HasSubstr("TEMP B-TREE")));

  // Two tenants, interleaved: each list holds its tenant's rows only, newest first.
  ASSERT_THAT(Upsert(**store, MakeHello("agent-a", "tenant-a")), IsOk());
  ASSERT_THAT(Upsert(**store, MakeHello("agent-a2", "tenant-a", "pc-02")), IsOk());
  ASSERT_THAT(Upsert(**store, MakeHello("agent-b", "tenant-b")), IsOk());
  for (uint64_t s = 1; s <= 3; ++s) {
    v1::Alert b = MakeAlert(s, "rule-" + std::to_string(s));
    b.set_tenant_id("tenant-b");
    ASSERT_THAT(Ingest(**store, "agent-a", {MakeAlert(s, "rule-" + std::to_string(s))}), IsOk());
    ASSERT_THAT(Ingest(**store, "agent-b", {b}), IsOk());
    ASSERT_THAT(Ingest(**store, "agent-a2", {MakeAlert(s, "rule-x", v1::SEVERITY_LOW, "pc-02")}),
                IsOk());
  }
  auto sequences = [](const std::vector<v1::Alert>& alerts) {
    std::vector<std::string> out;
    for (const v1::Alert& a : alerts)
      out.push_back(a.agent_id() + "#" + std::to_string(a.sequence()));
    return out;
  };
  auto a = (*store)->ListAlerts({.tenant_id = "tenant-a", .limit = 4});
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(sequences(*a), ElementsAre("agent-a2#3", "agent-a#3", "agent-a2#2", "agent-a#2"));
  auto b = (*store)->ListAlerts({.tenant_id = "tenant-b"});
  ASSERT_THAT(b, IsOk());
  EXPECT_THAT(sequences(*b), ElementsAre("agent-b#3", "agent-b#2", "agent-b#1"));
  auto one_agent = (*store)->ListAlerts({.tenant_id = "tenant-a", .agent_id = "agent-a"});
  ASSERT_THAT(one_agent, IsOk());
  EXPECT_THAT(sequences(*one_agent), ElementsAre("agent-a#3", "agent-a#2", "agent-a#1"));
  auto agent_only = (*store)->ListAlerts({.agent_id = "agent-b", .limit = 2});
  ASSERT_THAT(agent_only, IsOk());
  EXPECT_THAT(sequences(*agent_only), ElementsAre("agent-b#3", "agent-b#2"));
  auto all = (*store)->ListAlerts({.limit = 2});
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(sequences(*all), ElementsAre("agent-a2#3", "agent-b#3"));
  auto none = (*store)->ListAlerts({.tenant_id = "tenant-c"});
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());

  auto incidents_b = (*store)->ListIncidents({.tenant_id = "tenant-b"});
  ASSERT_THAT(incidents_b, IsOk());
  ASSERT_EQ(incidents_b->size(), 3u);
  for (const v1::Incident& incident : *incidents_b) EXPECT_EQ(incident.tenant_id(), "tenant-b");
  EXPECT_GT((*incidents_b)[0].id(), (*incidents_b)[2].id());
  const int64_t first_b = (*incidents_b)[2].id();
  auto other_tenant = (*store)->ListIncidents({.id = first_b, .tenant_id = "tenant-a"});
  ASSERT_THAT(other_tenant, IsOk());
  EXPECT_TRUE(other_tenant->empty());
  auto by_id = (*store)->ListIncidents({.id = first_b});
  ASSERT_THAT(by_id, IsOk());
  ASSERT_EQ(by_id->size(), 1u);
  EXPECT_EQ((*by_id)[0].tenant_id(), "tenant-b");
}

// The audit log and the notification log for one tenant, and the monthly report's first
// successful notification per incident, go through indexes (migration 13) instead of walking
// every row; unfiltered lists read newest first along the primary key without a sort.
TEST(SchemaTest, AuditNotificationAndReportLookupsUseIndexes) {
  otasuke::testing::TempDir dir;
  ManualClock clock(absl::FromUnixSeconds(1));
  RuleWindowGrouper grouper(absl::Hours(1));
  const std::string path = dir.file("c.db");
  auto store = SqliteStore::Open({.path = path}, clock, grouper);
  ASSERT_THAT(store, IsOk());

  const std::string tenant_audit = QueryPlan(path, AuditListSql(/*one_tenant=*/true));
  EXPECT_THAT(tenant_audit, HasSubstr("SEARCH audit_log USING INDEX audit_log_by_tenant"));
  EXPECT_THAT(tenant_audit, Not(HasSubstr("TEMP B-TREE")));
  const std::string all_audit = QueryPlan(path, AuditListSql(/*one_tenant=*/false));
  EXPECT_THAT(all_audit, Not(HasSubstr("TEMP B-TREE")));

  const std::string tenant_notifications =
      QueryPlan(path, NotificationListSql(/*one_tenant=*/true));
  EXPECT_THAT(tenant_notifications, HasSubstr("INDEX incidents_by_tenant"));
  EXPECT_THAT(tenant_notifications,
              HasSubstr("SEARCH n USING INDEX notifications_by_incident (incident_id=?)"));
  EXPECT_THAT(tenant_notifications, Not(HasSubstr("SCAN")));
  EXPECT_THAT(QueryPlan(path, NotificationListSql(/*one_tenant=*/false)),
              Not(HasSubstr("TEMP B-TREE")));

  // The report's correlated subquery (report_builder.cc, kIncidentFacts), for one incident.
  const std::string first_notified = QueryPlan(
      path,
      "SELECT MIN(a.finished_at) FROM notifications n JOIN notification_attempts a ON "
      "a.notification_id = n.id WHERE n.incident_id = 7 AND a.ok = 1 AND a.finished_at < 9");
  EXPECT_THAT(first_notified, HasSubstr("notifications_by_incident"));
  EXPECT_THAT(first_notified, HasSubstr("notification_attempts_by_notification"));
  EXPECT_THAT(first_notified, Not(HasSubstr("SCAN")));
}

// What an alert insert costs in indexes: UNIQUE(uuid) and alerts_by_incident only (migration 10
// drops the unused alerts_by_tenant), on 8 KiB pages for a new database; an existing database
// keeps its page size and loses the index at the upgrade.
TEST(SchemaTest, AlertsCarryOnlyTheIndexesQueriesUse) {
  otasuke::testing::TempDir dir;
  ManualClock clock(absl::FromUnixSeconds(1));
  RuleWindowGrouper grouper(absl::Hours(1));
  const std::string fresh = dir.file("new.db");
  ASSERT_THAT(SqliteStore::Open({.path = fresh}, clock, grouper), IsOk());
  EXPECT_EQ(Count(fresh, "SELECT page_size FROM pragma_page_size"), 8192);
  EXPECT_EQ(Count(fresh, "SELECT COUNT(*) FROM pragma_index_list('alerts')"), 3);
  // Reports select by period: alerts and incidents are searched through an index, not scanned.
  auto plan = [&](const char* sql) { return QueryPlan(fresh, sql); };
  EXPECT_THAT(plan("SELECT COUNT(*) FROM alerts WHERE received_at >= 1 AND received_at < 2"),
              ::testing::HasSubstr("USING COVERING INDEX alerts_by_received_at"));
  EXPECT_THAT(plan("SELECT id FROM incidents WHERE first_seen >= 1 AND first_seen < 2"),
              ::testing::HasSubstr("INDEX incidents_by_first_seen"));
  EXPECT_EQ(Count(fresh,
                  "SELECT COUNT(*) FROM pragma_index_list('alerts') WHERE name = "
                  "'alerts_by_incident'"),
            1);

  const std::string old = dir.file("v8.db");
  {
    sqlite3* raw = nullptr;  // a file made by an older collector: 4 KiB pages
    ASSERT_EQ(sqlite3_open(old.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA page_size=4096; PRAGMA journal_mode=WAL", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
    auto db = SqliteDb::Open(old, {});
    ASSERT_THAT(db, IsOk());
    auto v8 = std::find_if(AllMigrations().begin(), AllMigrations().end(),
                           [](const Migration& m) { return m.version == 8; });
    ASSERT_NE(v8, AllMigrations().end());
    const size_t upto = static_cast<size_t>(v8 - AllMigrations().begin()) + 1;
    ASSERT_THAT(ApplyMigrations(**db, AllMigrations().subspan(0, upto)), IsOk());
    EXPECT_EQ(Count(old,
                    "SELECT COUNT(*) FROM pragma_index_list('alerts') WHERE name = "
                    "'alerts_by_tenant'"),
              1);
  }
  ASSERT_THAT(SqliteStore::Open({.path = old}, clock, grouper), IsOk());
  EXPECT_EQ(Count(old, "SELECT page_size FROM pragma_page_size"), 4096);
  EXPECT_EQ(Count(old,
                  "SELECT COUNT(*) FROM pragma_index_list('alerts') WHERE name = "
                  "'alerts_by_tenant'"),
            0);
}

// Migration 7 rebuilds the alerts table (without UNIQUE(agent_id, sequence)) under a database
// whose notifications reference its rows: every row, id and reference survives, UUIDs stay
// unique and foreign keys are enforced again afterwards.
TEST(SchemaTest, AlertsRebuildKeepsRowsAndReferences) {
  otasuke::testing::TempDir dir;
  std::string path = dir.file("v6.db");
  {
    auto db = SqliteDb::Open(path, {});
    ASSERT_THAT(db, IsOk());
    auto v6 = std::find_if(AllMigrations().begin(), AllMigrations().end(),
                           [](const Migration& m) { return m.version == 6; });
    ASSERT_NE(v6, AllMigrations().end());
    const size_t upto = static_cast<size_t>(v6 - AllMigrations().begin()) + 1;
    ASSERT_THAT(ApplyMigrations(**db, AllMigrations().subspan(0, upto)), IsOk());
    ASSERT_THAT(
        (*db)->Exec(
            "INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', 1);"
            "INSERT INTO agents (id, tenant_id, first_seen, last_seen, acked_sequence) VALUES "
            "('a', 't', 1, 1, 2);"
            "INSERT INTO incidents (id, tenant_id, hostname, group_key, dedup_key, title, "
            "severity, state, alert_count, first_seen, last_seen, rule_engine, rule_id, "
            "rule_revision, ruleset_version) VALUES (5, 't', 'h', 'g', 'd', 'x', 3, 1, 2, 1, 1, "
            "1, 'r', 1, 'v');"
            "INSERT INTO alerts (id, uuid, agent_id, sequence, tenant_id, hostname, rule_engine, "
            "rule_id, severity, title, event_time, detection_time, received_at, incident_id, "
            "body) VALUES (10, 'u-1', 'a', 1, 't', 'h', 1, 'r', 3, 'x', 1, 1, 1, 5, x'00'),"
            "(11, 'u-2', 'a', 2, 't', 'h', 1, 'r', 3, 'x', 1, 1, 1, 5, x'01');"
            "INSERT INTO notifications (incident_id, alert_id, channel, target, state, "
            "next_attempt_at, created_at, updated_at) VALUES (5, 11, 'webhook', 'u', "
            "'pending', 1, 1, 1);"),
        IsOk());
  }
  ManualClock clock(absl::FromUnixSeconds(1));
  RuleWindowGrouper grouper(absl::Hours(1));
  auto store = SqliteStore::Open({.path = path}, clock, grouper);
  ASSERT_THAT(store, IsOk());
  (*store).reset();
  EXPECT_EQ(Count(path, "SELECT MAX(version) FROM schema_migrations"),
            AllMigrations().back().version);
  EXPECT_EQ(Count(path, "SELECT COUNT(*) FROM alerts WHERE id IN (10, 11) AND incident_id = 5"), 2);
  EXPECT_EQ(Count(path,
                  "SELECT a.sequence FROM notifications n JOIN alerts a ON a.id = "
                  "n.alert_id"),
            2);
  EXPECT_EQ(Count(path, "SELECT COUNT(*) FROM pragma_index_list('alerts') WHERE \"unique\""), 1);
  auto db = SqliteDb::Open(path, {});
  ASSERT_THAT(db, IsOk());
  EXPECT_THAT((*db)->Exec("INSERT INTO alerts (uuid, agent_id, sequence, tenant_id, hostname, "
                          "rule_engine, rule_id, severity, title, event_time, detection_time, "
                          "received_at, body) VALUES ('u-1', 'a', 3, 't', 'h', 1, 'r', 3, 'x', "
                          "1, 1, 1, x'00')"),
              StatusIs(absl::StatusCode::kInternal, "UNIQUE constraint failed: alerts.uuid"));
  EXPECT_THAT((*db)->Exec("INSERT INTO alerts (uuid, agent_id, sequence, tenant_id, hostname, "
                          "rule_engine, rule_id, severity, title, event_time, detection_time, "
                          "received_at, body) VALUES ('u-3', 'nobody', 3, 't', 'h', 1, 'r', 3, "
                          "'x', 1, 1, 1, x'00')"),
              StatusIs(absl::StatusCode::kInternal, "FOREIGN KEY constraint failed"));
}

TEST(SchemaTest, RefusesADatabaseFromANewerCollector) {
  otasuke::testing::TempDir dir;
  std::string path = dir.file("new.db");
  {
    auto db = SqliteDb::Open(path, {});
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(ApplyMigrations(**db, AllMigrations()), IsOk());
    ASSERT_THAT((*db)->Exec("INSERT INTO schema_migrations VALUES (999, 'future', 1)"), IsOk());
  }
  ManualClock clock(absl::FromUnixSeconds(1));
  RuleWindowGrouper grouper(absl::Hours(1));
  EXPECT_THAT(SqliteStore::Open({.path = path}, clock, grouper),
              StatusIs(absl::StatusCode::kFailedPrecondition, "newer collector"));
}

TEST(SchemaTest, NotADatabaseGivesAClearError) {
  otasuke::testing::TempDir dir;
  std::string path = dir.file("junk.db");
  FILE* f = fopen(path.c_str(), "w");
  fputs("this is not a database, just some text that is long enough to look like a header", f);
  fclose(f);
  ManualClock clock(absl::FromUnixSeconds(1));
  RuleWindowGrouper grouper(absl::Hours(1));
  auto store = SqliteStore::Open({.path = path}, clock, grouper);
  EXPECT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), ::testing::HasSubstr("junk.db"));
}

}  // namespace
}  // namespace otasuke::collector
