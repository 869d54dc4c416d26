// Incident grouping by entity (GrouperChain) on real database files: one process tree from
// different rules is one incident, remote addresses and flows join alerts of one host, windows
// expire, precedence and configuration, dedup keys within PagerDuty's limit, and incidents
// opened before entity grouping keep collecting their alerts.

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "collector/incident/entity_groupers.h"
#include "collector/incident/group_keys.h"
#include "collector/incident/grouper_chain.h"
#include "collector/store/schema.h"
#include "collector/store/sqlite_store.h"
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

// An alert of `rule` about process `pid` (`image`), child of `ppid` (`parent_image`).
v1::Alert ProcessAlert(uint64_t sequence, const std::string& rule, int64_t pid,
                       const std::string& image, int64_t ppid, const std::string& parent_image,
                       v1::Severity severity = v1::SEVERITY_MEDIUM) {
  v1::Alert alert = MakeAlert(sequence, rule, severity);
  alert.mutable_process()->set_pid(pid);
  alert.mutable_process()->set_image(image);
  alert.mutable_process()->set_ppid(ppid);
  alert.mutable_process()->set_parent_image(parent_image);
  return alert;
}

// An alert of `rule` on a connection from `src` to `dest`.
v1::Alert NetworkAlert(uint64_t sequence, const std::string& rule, const std::string& src,
                       const std::string& dest, const std::string& community_id = "",
                       const std::string& hostname = "pc-01") {
  v1::Alert alert = MakeAlert(sequence, rule, v1::SEVERITY_MEDIUM, hostname);
  alert.clear_process();  // as the network engine raises it
  alert.mutable_network()->set_src_ip(src);
  alert.mutable_network()->set_dest_ip(dest);
  alert.mutable_network()->set_community_id(community_id);
  return alert;
}

class IncidentGroupingTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(std::string(kDefaultGroupBy)); }

  void Open(const std::string& group_by) {
    store_.reset();
    auto grouper = GrouperChain::Create(group_by, absl::Hours(1));
    ASSERT_THAT(grouper, IsOk());
    grouper_ = std::move(*grouper);
    auto store = SqliteStore::Open({.path = path_}, clock_, *grouper_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    for (const char* agent : {"agent-1", "agent-2"}) {
      ASSERT_THAT(Upsert(*store_, MakeHello(agent, "tenant-a",
                                            agent == std::string("agent-1") ? "pc-01" : "pc-02")),
                  IsOk());
    }
    ASSERT_THAT(Upsert(*store_, MakeHello("agent-b", "tenant-b", "pc-01")), IsOk());
  }

  // Stores one alert per call (one write each, so grouping goes through the database and not
  // only through one write's cache); returns the incident it joined.
  int64_t Store(const std::string& agent, v1::Alert alert) {
    if (agent == "agent-b") alert.set_tenant_id("tenant-b");
    if (agent == "agent-2") alert.set_hostname("pc-02");
    const uint64_t sequence = ++sequences_[agent];
    alert.set_sequence(sequence);
    alert.set_uuid(absl::StrCat(agent, "-", sequence));
    auto result = Ingest(*store_, agent, {alert});
    EXPECT_THAT(result, IsOk());
    EXPECT_EQ(result->stored, 1);
    return IncidentOf(alert.uuid());
  }

  int64_t IncidentOf(const std::string& uuid) {
    auto db = SqliteDb::Open(path_, {});
    EXPECT_THAT(db, IsOk());
    auto stmt = (*db)->Prepare("SELECT incident_id FROM alerts WHERE uuid = ?");
    EXPECT_THAT(stmt, IsOk());
    stmt->Bind(1, uuid);
    auto row = stmt->Step();
    EXPECT_THAT(row, IsOk());
    return *row ? stmt->Int(0) : -1;
  }

  int64_t Incidents() { return Count(path_, "SELECT COUNT(*) FROM incidents"); }

  otasuke::testing::TempDir dir_;
  std::string path_ = dir_.file("collector.db");
  ManualClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<GrouperChain> grouper_;
  std::unique_ptr<SqliteStore> store_;
  std::map<std::string, uint64_t> sequences_;
};

TEST_F(IncidentGroupingTest, OneProcessTreeFromDifferentRulesIsOneIncident) {
  // sshd(50) -> python3(100) -> bash(200) -> curl(300): each generation links to its parent.
  int64_t first = Store(
      "agent-1", ProcessAlert(0, "python-download", 100, "/usr/bin/python3", 50, "/usr/sbin/sshd"));
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(Store("agent-1", ProcessAlert(0, "shell-from-tmp", 200, "/usr/bin/bash", 100,
                                          "/usr/bin/python3", v1::SEVERITY_HIGH)),
            first);
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(
      Store("agent-1", ProcessAlert(0, "curl-pipe", 300, "/usr/bin/curl", 200, "/usr/bin/bash")),
      first);
  EXPECT_EQ(Incidents(), 1);
  auto incidents = store_->ListIncidents({.tenant_id = "tenant-a", .limit = 10});
  ASSERT_THAT(incidents, IsOk());
  ASSERT_EQ(incidents->size(), 1u);
  EXPECT_EQ((*incidents)[0].alert_count(), 3u);
  EXPECT_EQ((*incidents)[0].severity(), v1::SEVERITY_HIGH);        // the maximum
  EXPECT_EQ((*incidents)[0].rule().rule_id(), "python-download");  // the opening alert's
}

TEST_F(IncidentGroupingTest, OneWriteGroupsATreeToo) {
  auto result = Ingest(*store_, "agent-1",
                       {ProcessAlert(1, "a", 100, "/usr/bin/python3", 50, "/usr/sbin/sshd"),
                        ProcessAlert(2, "b", 200, "/usr/bin/bash", 100, "/usr/bin/python3"),
                        ProcessAlert(3, "c", 900, "/usr/bin/top", 800, "/usr/bin/tmux")});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->new_incident_ids.size(), 2u);
  EXPECT_EQ(Incidents(), 2);
}

TEST_F(IncidentGroupingTest, UnrelatedProcessesOfDifferentRulesStayApart) {
  int64_t a = Store("agent-1", ProcessAlert(0, "a", 100, "/usr/bin/python3", 50, "/usr/sbin/sshd"));
  int64_t b = Store("agent-1", ProcessAlert(0, "b", 900, "/usr/bin/top", 800, "/usr/bin/tmux"));
  EXPECT_NE(a, b);
  // Children of init share no process key: init is everyone's ancestor.
  int64_t c = Store("agent-1", ProcessAlert(0, "c", 1200, "/usr/sbin/cron", 1, "/sbin/init"));
  int64_t d = Store("agent-1", ProcessAlert(0, "d", 1300, "/usr/sbin/atd", 1, "/sbin/init"));
  EXPECT_NE(c, d);
  EXPECT_EQ(Incidents(), 4);
}

TEST_F(IncidentGroupingTest, SameRuleStillGroupsWithoutASharedEntity) {
  int64_t a = Store("agent-1", ProcessAlert(0, "a", 100, "/usr/bin/python3", 50, "/usr/sbin/sshd"));
  EXPECT_EQ(Store("agent-1", ProcessAlert(0, "a", 900, "/usr/bin/top", 800, "/usr/bin/tmux")), a);
}

TEST_F(IncidentGroupingTest, RemoteAddressGroupsAlertsOfOneHostOnly) {
  int64_t a = Store("agent-1", NetworkAlert(0, "c2-beacon", "192.168.1.5", "203.0.113.9"));
  // Inbound: the public end is the source.
  EXPECT_EQ(Store("agent-1", NetworkAlert(0, "ssh-brute", "203.0.113.9", "192.168.1.5")), a);
  // The same address seen by another host of the tenant, or by another tenant: their own.
  int64_t other_host = Store("agent-2", NetworkAlert(0, "c2-beacon", "192.168.1.6", "203.0.113.9"));
  int64_t other_tenant = Store("agent-b", NetworkAlert(0, "c2-beacon", "10.0.0.5", "203.0.113.9"));
  EXPECT_NE(other_host, a);
  EXPECT_NE(other_tenant, a);
  EXPECT_NE(other_tenant, other_host);
  EXPECT_EQ(Incidents(), 3);
}

TEST_F(IncidentGroupingTest, CommunityIdJoinsTheFlowsNetworkAndHostAlerts) {
  Open("community_id");
  v1::Alert wire = NetworkAlert(0, "et-trojan", "192.168.1.5", "198.51.100.7", "1:fl0w=");
  wire.mutable_rule()->set_engine(v1::ENGINE_SURICATA);
  int64_t a = Store("agent-1", wire);
  v1::Alert host = ProcessAlert(0, "nc-outbound", 400, "/usr/bin/nc", 300, "/usr/bin/bash");
  *host.mutable_network() = wire.network();
  EXPECT_EQ(Store("agent-1", host), a);
  v1::Alert other_flow = NetworkAlert(0, "nc-outbound", "192.168.1.5", "198.51.100.7", "1:other=");
  EXPECT_EQ(Store("agent-1", other_flow), a);  // still the same rule: the fallback key
  v1::Alert unrelated = NetworkAlert(0, "dns-tunnel", "192.168.1.5", "198.51.100.7", "1:x=");
  EXPECT_NE(Store("agent-1", unrelated), a);  // remote_ip is not configured
}

TEST_F(IncidentGroupingTest, WindowsExpire) {
  int64_t a = Store("agent-1", ProcessAlert(0, "a", 100, "/usr/bin/python3", 50, "/usr/sbin/sshd"));
  clock_.Advance(absl::Minutes(59));
  EXPECT_EQ(Store("agent-1", ProcessAlert(0, "b", 200, "/usr/bin/bash", 100, "/usr/bin/python3")),
            a);
  // The window runs from the incident's last alert: 61 minutes of silence end it.
  clock_.Advance(absl::Minutes(61));
  int64_t b = Store("agent-1", ProcessAlert(0, "c", 300, "/usr/bin/curl", 200, "/usr/bin/bash"));
  EXPECT_NE(b, a);
  EXPECT_EQ(Incidents(), 2);
}

TEST_F(IncidentGroupingTest, ResolvedIncidentsAreNotJoined) {
  int64_t a = Store("agent-1", ProcessAlert(0, "a", 100, "/usr/bin/python3", 50, "/usr/sbin/sshd"));
  {
    auto db = SqliteDb::Open(path_, {});
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(
        (*db)->Exec(absl::StrCat("UPDATE incidents SET state = ", v1::INCIDENT_STATE_RESOLVED)),
        IsOk());
  }
  EXPECT_NE(Store("agent-1", ProcessAlert(0, "b", 200, "/usr/bin/bash", 100, "/usr/bin/python3")),
            a);
}

// The writer remembers where keys lead across writes; a change made through another connection
// (the console merging incidents re-points their keys) is followed at the next write.
TEST_F(IncidentGroupingTest, KeysMovedByAnotherConnectionAreFollowed) {
  int64_t a = Store("agent-1", ProcessAlert(0, "a", 100, "/usr/bin/python3", 50, "/usr/sbin/sshd"));
  int64_t b = Store("agent-1", ProcessAlert(0, "b", 900, "/usr/bin/top", 800, "/usr/bin/tmux"));
  ASSERT_NE(a, b);
  // Remembered by the writer: python3's tree leads to a.
  ASSERT_EQ(Store("agent-1", ProcessAlert(0, "c", 200, "/usr/bin/bash", 100, "/usr/bin/python3")),
            a);
  {
    auto db = SqliteDb::Open(path_, {});
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT((*db)->Exec(absl::StrCat("INSERT INTO incident_keys (group_key, incident_id) "
                                         "SELECT group_key, ",
                                         b, " FROM incident_keys WHERE incident_id = ", a)),
                IsOk());
  }
  EXPECT_EQ(Store("agent-1", ProcessAlert(0, "d", 300, "/usr/bin/curl", 200, "/usr/bin/bash")), b);
}

// The first key, in configured precedence, that leads to an open incident decides; then every
// key of the alert leads there.
TEST_F(IncidentGroupingTest, PrecedenceDecidesBetweenTwoOpenIncidents) {
  int64_t tree =
      Store("agent-1", ProcessAlert(0, "a", 100, "/usr/bin/python3", 50, "/usr/sbin/sshd"));
  int64_t rule = Store("agent-1", ProcessAlert(0, "b", 900, "/usr/bin/top", 800, "/usr/bin/tmux"));
  ASSERT_NE(tree, rule);
  // Rule b, in python3's tree: process_tree comes before rule.
  EXPECT_EQ(Store("agent-1", ProcessAlert(0, "b", 200, "/usr/bin/bash", 100, "/usr/bin/python3")),
            tree);
  // Rule b's key now leads to the tree's incident, the newest it joined.
  EXPECT_EQ(Store("agent-1", ProcessAlert(0, "b", 5000, "/usr/bin/vi", 4000, "/usr/bin/zsh")),
            tree);

  // With the rule first, a known rule wins over the process tree.
  int64_t z = Store("agent-1", ProcessAlert(0, "z", 6000, "/usr/bin/nano", 5900, "/usr/bin/fish"));
  ASSERT_NE(z, tree);
  Open("rule,process_tree");
  EXPECT_EQ(Store("agent-1", ProcessAlert(0, "z", 7000, "/usr/bin/ls", 100, "/usr/bin/python3")),
            z);
}

TEST_F(IncidentGroupingTest, RuleOnlyConfigurationKeepsTheFoundationsGrouping) {
  Open("rule");
  int64_t a = Store("agent-1", ProcessAlert(0, "a", 100, "/usr/bin/python3", 50, "/usr/sbin/sshd"));
  EXPECT_NE(Store("agent-1", ProcessAlert(0, "b", 200, "/usr/bin/bash", 100, "/usr/bin/python3")),
            a);
}

TEST_F(IncidentGroupingTest, DedupKeysStayWithinPagerDutysLimit) {
  // A 4 KiB image path of Japanese names (3 bytes each): keys are cut at a character boundary
  // and stay unique through the digest.
  std::string long_dir;
  while (long_dir.size() < 4000) long_dir += "/請求書";
  Store("agent-1", ProcessAlert(0, "a", 100, long_dir + "/a", 50, "/usr/sbin/sshd"));
  Store("agent-1", ProcessAlert(0, "b", 900, long_dir + "/b", 800, "/usr/bin/tmux"));
  auto incidents = store_->ListIncidents({.tenant_id = "tenant-a", .limit = 10});
  ASSERT_THAT(incidents, IsOk());
  ASSERT_EQ(incidents->size(), 2u);
  for (const v1::Incident& incident : *incidents) {
    EXPECT_LE(incident.dedup_key().size(), kMaxDedupKeyLength);
    EXPECT_THAT(incident.dedup_key(), ::testing::StartsWith("otasuke/tenant-a/pc-01/process:"));
    EXPECT_THAT(incident.dedup_key(), ::testing::ContainsRegex("#[0-9a-f]{64}$"));
    EXPECT_TRUE(v1::Incident().ParseFromString(incident.SerializeAsString()));  // valid UTF-8
  }
  EXPECT_NE((*incidents)[0].dedup_key(), (*incidents)[1].dedup_key());
  v1::Alert alert = MakeAlert(1);
  alert.set_tenant_id("tenant-a");
  EXPECT_EQ(DedupKeyFor(ScopedGroupKey(alert, "remote_ip:203.0.113.9"), absl::FromUnixMicros(7)),
            "otasuke/tenant-a/pc-01/remote_ip:203.0.113.9/7");
}

// An incident opened by a collector that grouped by rule only keeps collecting its rule's
// alerts after the upgrade (migration 8 gives it its key).
TEST(IncidentGroupingUpgradeTest, IncidentsOpenedBeforeEntityKeysKeepCollecting) {
  otasuke::testing::TempDir dir;
  const std::string path = dir.file("v7.db");
  ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  {
    auto db = SqliteDb::Open(path, {});
    ASSERT_THAT(db, IsOk());
    auto v7 = std::find_if(AllMigrations().begin(), AllMigrations().end(),
                           [](const Migration& m) { return m.version == 7; });
    ASSERT_NE(v7, AllMigrations().end());
    ASSERT_THAT(
        ApplyMigrations(**db, AllMigrations().subspan(
                                  0, static_cast<size_t>(v7 - AllMigrations().begin()) + 1)),
        IsOk());
    auto insert = (*db)->Prepare(
        "INSERT INTO incidents (id, tenant_id, hostname, group_key, dedup_key, title, severity, "
        "state, alert_count, first_seen, last_seen, rule_engine, rule_id, rule_revision, "
        "ruleset_version) VALUES (3, 'tenant-a', 'pc-01', ?, 'd', 'x', 3, 1, 5, ?, ?, 1, "
        "'rule-1', 1, 'v')");
    ASSERT_THAT(insert, IsOk());
    const int64_t now = ToMicros(clock.Now());
    ASSERT_THAT((*db)->Exec("INSERT INTO tenants (id, name, created_at) VALUES ('tenant-a', "
                            "'tenant-a', 1)"),
                IsOk());
    ASSERT_THAT(insert
                    ->Bind(1,
                           "tenant-a\x1fpc-01\x1f"
                           "ENGINE_SIGMA:rule-1")
                    .Bind(2, now)
                    .Bind(3, now)
                    .Run(),
                IsOk());
  }
  auto grouper = GrouperChain::Create(kDefaultGroupBy, absl::Hours(1));
  ASSERT_THAT(grouper, IsOk());
  auto store = SqliteStore::Open({.path = path}, clock, **grouper);
  ASSERT_THAT(store, IsOk());
  ASSERT_THAT(Upsert(**store, MakeHello("agent-1")), IsOk());
  v1::Alert alert = MakeAlert(1, "rule-1");
  alert.mutable_rule()->set_engine(v1::ENGINE_SIGMA);
  auto result = Ingest(**store, "agent-1", {alert});
  ASSERT_THAT(result, IsOk());
  EXPECT_TRUE(result->new_incident_ids.empty());
  (*store).reset();
  EXPECT_EQ(Count(path, "SELECT alert_count FROM incidents WHERE id = 3"), 6);
}

TEST(GrouperChainTest, ConfigurationErrorsNameTheEntity) {
  EXPECT_THAT(GrouperChain::Create("rule,proces_tree", absl::Hours(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown entity 'proces_tree' (known: community_id, process_tree, "
                       "remote_ip, rule)"));
  EXPECT_THAT(GrouperChain::Create("remote_ip, remote_ip", absl::Hours(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "entity 'remote_ip' is listed twice"));
  auto chain = GrouperChain::Create("process_tree", absl::Hours(1));
  ASSERT_THAT(chain, IsOk());
  EXPECT_THAT((*chain)->kinds(), ::testing::ElementsAre("process_tree", "rule"));
  auto all = GrouperChain::Create(kDefaultGroupBy, absl::Hours(1));
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT((*all)->kinds(),
              ::testing::ElementsAre("community_id", "process_tree", "remote_ip", "rule"));
}

TEST(GrouperChainTest, KeysOfOneAlertInPrecedenceOrder) {
  auto chain = GrouperChain::Create(kDefaultGroupBy, absl::Hours(1));
  ASSERT_THAT(chain, IsOk());
  v1::Alert alert = ProcessAlert(1, "r", 200, "/usr/bin/bash", 100, "/usr/bin/python3");
  alert.set_tenant_id("t");
  alert.mutable_network()->set_src_ip("192.168.1.5");
  alert.mutable_network()->set_dest_ip("203.0.113.9");
  alert.mutable_network()->set_community_id("1:abc=");
  std::vector<std::string> keys;
  (*chain)->GroupKeys(alert, &keys);
  const std::string scope = "t\x1fpc-01\x1f";
  EXPECT_THAT(keys, ::testing::ElementsAre(
                        scope + "community_id:1:abc=", scope + "process:200:/usr/bin/bash",
                        scope + "process:100:/usr/bin/python3", scope + "remote_ip:203.0.113.9",
                        scope + "ENGINE_SIGMA:r"));
}

TEST(RemoteAddressTest, PrivateRanges) {
  for (const char* ip :
       {"10.1.2.3", "127.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.1.1",
        "100.64.0.1", "::1", "fd00::1", "fe80::1", "::ffff:192.168.1.1"}) {
    EXPECT_TRUE(IsPrivateAddress(ip)) << ip;
  }
  for (const char* ip : {"8.8.8.8", "172.32.0.1", "203.0.113.9", "2001:db8::1", "100.128.0.1", "",
                         "not-an-ip", "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(IsPrivateAddress(ip)) << ip;
  }
}

}  // namespace
}  // namespace otasuke::collector
