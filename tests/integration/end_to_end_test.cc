// Integration: real otasuke-agent, otasuke-collector, otasukectl and webhook receiver
// processes on loopback. A real process exec becomes an alert that is stored once in SQLite,
// becomes an incident, and reaches the responder's webhook; collector crashes and agent
// restarts lose nothing and store nothing twice. Needs root for the proc connector.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/otasuke_cluster.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::testing {
namespace {

void SendUdp(int port, const std::string& payload) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::close(fd);
  absl::SleepFor(absl::Milliseconds(200));
}

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the agent's proc connector needs root";
  }

  // Alerts of this test's script (other tests' processes are visible to every agent).
  std::map<std::string, int> MarkerCounts(const std::string& prefix) {
    std::map<std::string, int> counts;
    for (const auto& a : cluster_.StoredScriptAlerts()) {
      const std::string& cmd = a.process().command_line();
      size_t pos = cmd.find(prefix);
      if (pos != std::string::npos) ++counts[cmd.substr(pos)];
    }
    return counts;
  }
  bool WaitForMarkers(const std::string& prefix, size_t n, absl::Duration timeout) {
    return WaitUntil(timeout, [&] { return MarkerCounts(prefix).size() >= n; });
  }

  // The crash markers [0, n) with no stored alert.
  std::string MissingMarkers(int n) {
    const std::map<std::string, int> counts = MarkerCounts("crash-marker-");
    std::string missing;
    for (int i = 0; i < n; ++i) {
      if (!counts.contains("crash-marker-" + std::to_string(i) + "-end")) {
        missing += " " + std::to_string(i);
      }
    }
    return missing;
  }

  OtasukeCluster cluster_;
};

TEST_F(EndToEndTest, ProcessExecBecomesStoredAlertIncidentAndWebhook) {
  ASSERT_TRUE(cluster_.StartSink());
  ASSERT_TRUE(cluster_.StartCollector()) << cluster_.collector_log();
  ASSERT_TRUE(cluster_.StartAgent()) << cluster_.agent_log();

  cluster_.RunSuspiciousScript("e2e-marker-1");
  ASSERT_TRUE(WaitForMarkers("e2e-marker-", 1, absl::Seconds(30))) << cluster_.agent_log();
  ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] { return !cluster_.WebhookLines().empty(); }))
      << cluster_.collector_log();

  // Stored exactly once, with the evidence and the SME-facing text.
  auto counts = MarkerCounts("e2e-marker-");
  EXPECT_EQ(counts["e2e-marker-1"], 1);
  otasuke::v1::Alert alert;
  for (const auto& a : cluster_.StoredScriptAlerts()) {
    if (a.process().command_line().find("e2e-marker-1") != std::string::npos) alert = a;
  }
  EXPECT_EQ(alert.tenant_id(), "it-tenant");
  EXPECT_EQ(alert.hostname(), "it-host");
  EXPECT_EQ(alert.severity(), otasuke::v1::SEVERITY_HIGH);
  EXPECT_EQ(alert.rule().engine(), otasuke::v1::ENGINE_SIGMA);
  EXPECT_FALSE(alert.explanation().ja().empty());
  EXPECT_FALSE(alert.next_step().en().empty());
  EXPECT_FALSE(alert.process().user().empty());
  EXPECT_GT(alert.sequence(), 0u);

  // One incident, and the responder's webhook has it with the device named.
  EXPECT_GE(cluster_.CountRows("SELECT COUNT(*) FROM incidents WHERE hostname = 'it-host'"), 1);
  bool webhook_found = false;
  for (const std::string& line : cluster_.WebhookLines()) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    const auto& body = j["body"];
    if (body.value("hostname", "") == "it-host") {
      webhook_found = true;
      EXPECT_EQ(body.value("event", ""), "incident.created");
      EXPECT_FALSE(body["explanation"].value("ja", "").empty());
    }
  }
  EXPECT_TRUE(webhook_found);
  // The attempt is recorded once the receiver has answered, a moment after it wrote the line.
  EXPECT_TRUE(WaitUntil(absl::Seconds(10), [&] {
    return cluster_.CountRows("SELECT COUNT(*) FROM notification_attempts WHERE ok = 1") >= 1;
  })) << cluster_.collector_log();

  // otasukectl sees the same.
  int code = -1;
  std::string out = cluster_.Ctl({"alerts", "list", "--json"}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("e2e-marker-1"), std::string::npos) << out;
  out = cluster_.Ctl({"incidents", "list"}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("it-host"), std::string::npos) << out;
  out = cluster_.Ctl({"agents", "list"}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("it-tenant"), std::string::npos) << out;
}

TEST_F(EndToEndTest, CollectorKilledMidStreamLosesNothingAndStoresNothingTwice) {
  ASSERT_TRUE(cluster_.StartCollector()) << cluster_.collector_log();
  ASSERT_TRUE(cluster_.StartAgent()) << cluster_.agent_log();
  constexpr int kRuns = 60;
  for (int i = 0; i < kRuns; ++i) {
    cluster_.RunSuspiciousScript("crash-marker-" + std::to_string(i) + "-end");
    // Paced, so the collector is down for about 8 s while markers keep coming.
    absl::SleepFor(absl::Milliseconds(400));
    if (i == 20) {
      cluster_.KillCollector();  // alerts in flight, some unacknowledged
    }
    if (i == 40) {
      ASSERT_TRUE(cluster_.StartCollector()) << cluster_.collector_log();
    }
  }
  ASSERT_TRUE(WaitForMarkers("crash-marker-", kRuns, absl::Seconds(60)))
      << "stored " << MarkerCounts("crash-marker-").size() << " of " << kRuns
      << "; missing:" << MissingMarkers(kRuns) << "\n"
      << cluster_.agent_log();
  // Every marker exactly once. Twice under two sequence numbers was another test's agent
  // that reached this collector (issue 6, cluster_isolation_test): the agent id says whose.
  std::map<std::string, std::vector<std::string>> raised;
  for (const auto& a : cluster_.StoredScriptAlerts()) {
    const std::string& cmd = a.process().command_line();
    const size_t pos = cmd.find("crash-marker-");
    if (pos == std::string::npos) continue;
    raised[cmd.substr(pos)].push_back("agent " + a.agent_id() + " seq " +
                                      std::to_string(a.sequence()) + " " +
                                      a.process().ShortDebugString());
  }
  for (const auto& [marker, alerts] : raised) {
    std::string list;
    for (const std::string& a : alerts) list += " [" + a + "]";
    EXPECT_EQ(alerts.size(), 1u) << marker << " stored " << alerts.size() << " times:" << list;
  }
  EXPECT_EQ(cluster_.CountRows("SELECT COUNT(*) FROM agents"), 1) << "only this test's agent";
  EXPECT_EQ(cluster_.CountRows("SELECT COUNT(*) FROM alerts"),
            cluster_.CountRows("SELECT COUNT(DISTINCT uuid) FROM alerts"));
}

TEST_F(EndToEndTest, AgentRestartKeepsSequencesUniqueSoNewAlertsAreStored) {
  ASSERT_TRUE(cluster_.StartCollector());
  ASSERT_TRUE(cluster_.StartAgent());
  cluster_.RunSuspiciousScript("restart-marker-a");
  ASSERT_TRUE(WaitForMarkers("restart-marker-", 1, absl::Seconds(30)));
  cluster_.KillAgent();
  ASSERT_TRUE(cluster_.StartAgent()) << cluster_.agent_log();
  cluster_.RunSuspiciousScript("restart-marker-b");
  ASSERT_TRUE(WaitForMarkers("restart-marker-", 2, absl::Seconds(30))) << cluster_.agent_log();
  std::set<uint64_t> seqs;
  for (const auto& a : cluster_.StoredAlerts()) {
    EXPECT_TRUE(seqs.insert(a.sequence()).second) << "sequence " << a.sequence() << " reused";
  }
}

TEST_F(EndToEndTest, AlertsRaisedWhileTheCollectorIsUnreachableArriveLater) {
  // The agent starts first: the collector's address does not answer yet.
  ASSERT_TRUE(cluster_.StartCollector());
  cluster_.KillCollector();
  ASSERT_TRUE(cluster_.StartAgent());
  cluster_.RunSuspiciousScript("offline-marker-1");
  cluster_.RunSuspiciousScript("offline-marker-2");
  absl::SleepFor(absl::Seconds(1));
  ASSERT_TRUE(cluster_.StartCollector());
  ASSERT_TRUE(WaitForMarkers("offline-marker-", 2, absl::Seconds(30))) << cluster_.agent_log();
}

TEST_F(EndToEndTest, InvalidRuleSetPushIsRejectedAndTheOldRulesKeepRunning) {
  ASSERT_TRUE(cluster_.StartCollector());
  ASSERT_TRUE(cluster_.StartAgent());
  TempDir rules;
  const std::string bad = rules.file("broken.yml");
  std::ofstream(bad) << "title: Broken\nid: 11111111-2222-3333-4444-555555555555\n"
                        "logsource: {product: linux, category: process_creation}\n"
                        "detection:\n  sel:\n    Image|nosuchmodifier: x\n  condition: sel\n";
  int code = -1;
  std::string out = cluster_.Ctl({"rules", "push", bad, "--version", "broken-1"}, &code);
  ASSERT_EQ(code, 0) << out;
  ASSERT_TRUE(WaitUntil(absl::Seconds(20), [&] {
    return cluster_.agent_log().find("rule set broken-1 rejected") != std::string::npos;
  })) << cluster_.agent_log();
  EXPECT_NE(cluster_.agent_log().find("nosuchmodifier"), std::string::npos);
  // The collector heard about it.
  EXPECT_TRUE(WaitUntil(absl::Seconds(10), [&] {
    return cluster_.CountRows(
               "SELECT COUNT(*) FROM audit_log WHERE action = "
               "'ruleset.rejected' AND target = 'broken-1' AND "
               "detail LIKE '%nosuchmodifier%'") == 1;
  }));
  // The previous rules still fire.
  cluster_.RunSuspiciousScript("after-bad-push");
  EXPECT_TRUE(WaitForMarkers("after-bad-push", 1, absl::Seconds(30))) << cluster_.agent_log();
}

TEST_F(EndToEndTest, ValidRuleSetPushIsAppliedAndReported) {
  ASSERT_TRUE(cluster_.StartCollector());
  ASSERT_TRUE(cluster_.StartAgent());
  TempDir rules;
  std::ofstream(rules.file("only_touch.yml"))
      << "title: Touch Run\nid: 9b2f7c1e-0000-4000-8000-000000000001\nlevel: low\n"
         "logsource: {product: linux, category: process_creation}\n"
         "detection:\n  sel:\n    CommandLine|contains: otasuke-pushed-rule-probe\n"
         "  condition: sel\n";
  int code = -1;
  std::string out = cluster_.Ctl({"rules", "push", rules.path(), "--version", "pushed-2"}, &code);
  ASSERT_EQ(code, 0) << out;
  ASSERT_TRUE(WaitUntil(absl::Seconds(20), [&] {
    return cluster_.agent_log().find("rule set pushed-2 active") != std::string::npos;
  })) << cluster_.agent_log();
  EXPECT_TRUE(WaitUntil(absl::Seconds(10), [&] {
    return cluster_.CountRows("SELECT COUNT(*) FROM agents WHERE ruleset_version = 'pushed-2'") ==
           1;
  }));
  cluster_.RunSuspiciousScript("otasuke-pushed-rule-probe");
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    for (const auto& a : cluster_.StoredAlerts()) {
      if (a.title() == "Touch Run") return true;
    }
    return false;
  }));
}

TEST_F(EndToEndTest, NetworkAlertFromLiveCaptureReachesTheCollector) {
  ASSERT_TRUE(cluster_.StartCollector());
  TempDir rules;
  std::ofstream(rules.file("beacon.rules"))
      << "alert udp any any -> any 39999 (msg:\"Otasuke test beacon\"; "
         "content:\"otasuke-beacon\"; classtype:trojan-activity; sid:9000001; rev:2;)\n";
  std::ofstream(rules.file("explanations.yaml"))
      << "9000001:\n  explanation: {ja: \"ビーコン通信です。\", en: \"A beacon was sent.\"}\n"
         "  next_step: {ja: \"LANケーブルを抜いてください。\", en: \"Unplug the cable.\"}\n";
  ASSERT_TRUE(cluster_.StartAgent({"--rules", rules.path(), "--sources-network",
                                   "--network-interface", "lo", "--network-bpf", "udp"}))
      << cluster_.agent_log();
  // Capture starts a moment after the agent connects; send until the alert is stored.
  auto network_alerts = [&] {
    std::vector<otasuke::v1::Alert> found;
    for (const auto& a : cluster_.StoredAlerts()) {
      if (a.rule().engine() == otasuke::v1::ENGINE_SURICATA) found.push_back(a);
    }
    return found;
  };
  ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    SendUdp(39999, "hello otasuke-beacon hello");
    return !network_alerts().empty();
  })) << cluster_.agent_log();
  const otasuke::v1::Alert a = network_alerts().front();
  EXPECT_EQ(a.title(), "Otasuke test beacon");
  EXPECT_EQ(a.rule().rule_id(), "1:9000001");
  EXPECT_EQ(a.rule().revision(), 2u);
  EXPECT_EQ(a.network().dest_port(), 39999u);
  EXPECT_EQ(a.network().dest_ip(), "127.0.0.1");
  EXPECT_EQ(a.network().transport(), "UDP");
  EXPECT_FALSE(a.network().community_id().empty());
  // The rule's own SME texts (explanations.yaml) replace the engine's generic description.
  EXPECT_EQ(a.explanation().ja(), "ビーコン通信です。");
  EXPECT_EQ(a.next_step().en(), "Unplug the cable.");
}

TEST(AgentCommandLineTest, MalformedConfigFailsWithFileLineAndReason) {
  TempDir dir;
  const std::string config = dir.file("agent.yaml");
  std::ofstream(config) << "tenant: x\nqueue:\n  max_alerts: many\n";
  Subprocess agent({BinaryPath("otasuke-agent"), "--config", config}, dir.file("out.log"));
  EXPECT_EQ(agent.Wait(absl::Seconds(10)), 2);
  const std::string log = agent.ReadLog();
  EXPECT_NE(log.find(config + ":3:"), std::string::npos) << log;
  EXPECT_NE(log.find("queue.max_alerts"), std::string::npos) << log;
}

TEST(AgentCommandLineTest, HelpShowsFlagsAndConfigSettings) {
  TempDir dir;
  Subprocess agent({BinaryPath("otasuke-agent"), "--help"}, dir.file("out.log"));
  EXPECT_EQ(agent.Wait(absl::Seconds(10)), 0);
  const std::string log = agent.ReadLog();
  EXPECT_NE(log.find("--config FILE"), std::string::npos);
  EXPECT_NE(log.find("config: heartbeat_interval"), std::string::npos);
  EXPECT_NE(log.find("scan-pcap"), std::string::npos);
}

}  // namespace
}  // namespace otasuke::testing
