// The real binaries as separate processes: otasuke-collector, webhook_sink and otasukectl,
// talking over loopback on ephemeral ports.

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/collector_process.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/smtp_sink.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::ReadPort;
using ::otasuke::collector::testing::RunResult;
using ::otasuke::collector::testing::TestAgent;
using ::otasuke::collector::testing::TestChannel;
using ::otasuke::testing::BinaryPath;
using ::otasuke::testing::ReadFileOrEmpty;
using ::otasuke::testing::Subprocess;
using ::otasuke::testing::WaitUntil;
using ::testing::HasSubstr;

class ProcessTest : public testing::CollectorProcessTest {
 protected:
  void StartSink(int fail_first) {
    sink_ = std::make_unique<Subprocess>(
        std::vector<std::string>{BinaryPath("webhook_sink"), "--port-file", dir_.file("sink.port"),
                                 "--output", dir_.file("sink.jsonl"), "--fail-first",
                                 std::to_string(fail_first)},
        dir_.file("sink.log"));
    sink_port_ = ReadPort(dir_.file("sink.port"));
    ASSERT_GT(sink_port_, 0) << ReadFileOrEmpty(dir_.file("sink.log"));
  }

  std::unique_ptr<Subprocess> sink_;
  int sink_port_ = 0;
};

TEST_F(ProcessTest, AlertBecomesIncidentAndReachesTheWebhookAfterARetry) {
  StartSink(/*fail_first=*/1);
  std::ofstream(dir_.file("secret")) << "demo-secret\n";
  StartCollector({"--webhook-url", "http://127.0.0.1:" + std::to_string(sink_port_) + "/otasuke",
                  "--webhook-secret-file", dir_.file("secret"), "--webhook-initial-backoff",
                  "200ms"});
  TestAgent agent(TestChannel(port_));
  agent.SendHello(MakeHello("agent-1", "sme-ward-3", "reception-pc"));
  agent.SendAlerts(
      {MakeAlert(1, "proc_creation_lnx_script_exec_from_tmp", v1::SEVERITY_HIGH, "reception-pc")});
  ASSERT_TRUE(agent.WaitForAck(1));

  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(WaitUntil(absl::Seconds(60), [&] {
    lines.clear();
    for (absl::string_view line :
         absl::StrSplit(ReadFileOrEmpty(dir_.file("sink.jsonl")), '\n', absl::SkipEmpty())) {
      lines.push_back(nlohmann::json::parse(std::string(line)));
    }
    return lines.size() >= 2;
  })) << ReadFileOrEmpty(dir_.file("collector.log"));
  EXPECT_EQ(lines[0]["answered"], 500);
  EXPECT_EQ(lines[1]["answered"], 200);
  EXPECT_EQ(lines[1]["body"]["hostname"], "reception-pc");
  EXPECT_EQ(lines[1]["body"]["tenant_id"], "sme-ward-3");
  EXPECT_EQ(lines[1]["body"]["severity"], "high");
  EXPECT_THAT(lines[1]["headers"]["x-otasuke-signature"].get<std::string>(),
              ::testing::StartsWith("sha256="));

  RunResult incidents = Ctl({"incidents", "list"});
  EXPECT_EQ(incidents.exit_code, 0) << incidents.output;
  EXPECT_THAT(incidents.output, HasSubstr("SEVERITY"));
  EXPECT_THAT(incidents.output, HasSubstr("reception-pc"));
  EXPECT_THAT(incidents.output, HasSubstr("high"));

  RunResult json = Ctl({"alerts", "list", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.output;
  nlohmann::json alerts = nlohmann::json::parse(json.output);
  ASSERT_EQ(alerts["alerts"].size(), 1u);
  EXPECT_EQ(alerts["alerts"][0]["agent_id"], "agent-1");
  EXPECT_EQ(alerts["alerts"][0]["rule"]["rule_id"], "proc_creation_lnx_script_exec_from_tmp");

  RunResult agents = Ctl({"agents", "list", "--json"});
  ASSERT_EQ(agents.exit_code, 0) << agents.output;
  nlohmann::json agent_list = nlohmann::json::parse(agents.output);
  EXPECT_EQ(agent_list["agents"][0]["hostname"], "reception-pc");
  EXPECT_EQ(agent_list["agents"][0]["connected"], true);

  agent.Close();
  collector_->Signal(SIGTERM);
  EXPECT_EQ(collector_->Wait(absl::Seconds(30)), 0);
  EXPECT_THAT(ReadFileOrEmpty(dir_.file("collector.log")), HasSubstr("stopped cleanly"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("collector.port")));
}

TEST_F(ProcessTest, RulesPushSendsADirectoryToConnectedAgents) {
  StartCollector();
  TestAgent agent(TestChannel(port_));
  agent.SendHello(MakeHello("agent-1"));
  ASSERT_TRUE(WaitUntil(absl::Seconds(20), [&] { return !agent.acks().empty(); }));
  std::filesystem::create_directories(dir_.file("rules/sigma"));
  std::ofstream(dir_.file("rules/sigma/tmp_exec.yml")) << "title: Script from /tmp\n";
  std::ofstream(dir_.file("rules/net.rules")) << "alert tcp any any -> any 4444 (sid:1;)\n";
  std::ofstream(dir_.file("rules/bad-domains.ioc")) << "evil.example\n";
  std::ofstream(dir_.file("rules/README.md")) << "not a rule\n";
  RunResult push = Ctl({"rules", "push", dir_.file("rules"), "--version", "2026-11-22.1"});
  EXPECT_EQ(push.exit_code, 0) << push.output;
  EXPECT_THAT(push.output, HasSubstr("pushed rule set 2026-11-22.1 (3 file(s))"));
  EXPECT_THAT(push.output, HasSubstr("sent now to 1 connected agent(s)"));
  v1::RuleSet ruleset = agent.WaitForRuleSet();
  ASSERT_EQ(ruleset.files_size(), 3);
  EXPECT_EQ(ruleset.files(0).path(), "bad-domains.ioc");
  EXPECT_EQ(ruleset.files(0).format(), v1::RULE_FORMAT_IOC);
  EXPECT_EQ(ruleset.files(1).format(), v1::RULE_FORMAT_SURICATA);
  EXPECT_EQ(ruleset.files(2).path(), "sigma/tmp_exec.yml");
  EXPECT_EQ(ruleset.files(2).format(), v1::RULE_FORMAT_SIGMA);
}

TEST_F(ProcessTest, OtasukectlErrorsAreClear) {
  StartCollector();
  RunResult unknown_ext = Ctl({"rules", "push", dir_.file("missing.conf")});
  EXPECT_EQ(unknown_ext.exit_code, 2);
  EXPECT_THAT(unknown_ext.output, HasSubstr("no such file or directory"));
  std::ofstream(dir_.file("rule.conf")) << "x";
  RunResult bad_ext = Ctl({"rules", "push", dir_.file("rule.conf")});
  EXPECT_EQ(bad_ext.exit_code, 2);
  EXPECT_THAT(bad_ext.output, HasSubstr("cannot tell the rule format"));
  RunResult bad_command = Ctl({"agents", "delete"});
  EXPECT_EQ(bad_command.exit_code, 2);
  EXPECT_THAT(bad_command.output, HasSubstr("unknown command 'agents delete'"));

  collector_->Signal(SIGTERM);
  ASSERT_EQ(collector_->Wait(absl::Seconds(30)), 0);
  RunResult unreachable = Ctl({"agents", "list"});
  EXPECT_EQ(unreachable.exit_code, 3);
  EXPECT_THAT(unreachable.output, HasSubstr("cannot reach the collector at 127.0.0.1:"));
}

TEST_F(ProcessTest, NewIncidentIsMailedToTheSmtpSink) {
  otasuke::testing::SmtpSink smtp({});
  auto smtp_port = smtp.Start();
  ASSERT_TRUE(smtp_port.ok());
  StartCollector({"--email-to", "owner@sme.example", "--email-smtp-url",
                  "smtp://127.0.0.1:" + std::to_string(*smtp_port), "--email-from",
                  "otasuke@helpdesk.example"});
  TestAgent agent(TestChannel(port_));
  agent.SendHello(MakeHello("agent-1", "sme-ward-3", "reception-pc"));
  agent.SendAlerts({MakeAlert(1, "rule-1", v1::SEVERITY_HIGH, "reception-pc")});
  ASSERT_TRUE(agent.WaitForAck(1));
  ASSERT_TRUE(WaitUntil(absl::Seconds(60), [&] { return !smtp.messages().empty(); }))
      << ReadFileOrEmpty(dir_.file("collector.log"));
  auto mail = smtp.messages()[0];
  EXPECT_EQ(mail.rcpt_to, std::vector<std::string>{"owner@sme.example"});
  EXPECT_THAT(mail.data, HasSubstr("X-Otasuke-Incident: 1\r\n"));
  EXPECT_THAT(mail.data, HasSubstr("Content-Language: ja"));
  EXPECT_THAT(ReadFileOrEmpty(dir_.file("collector.log")), HasSubstr("notifier: email"));
}

TEST_F(ProcessTest, AFailedNotificationIsVisibleInOtasukectl) {
  int dead_port = 0;
  {
    otasuke::testing::SmtpSink smtp({});
    dead_port = *smtp.Start();
  }  // nothing listens there any more
  StartCollector({"--email-to", "owner@sme.example", "--email-smtp-url",
                  "smtp://127.0.0.1:" + std::to_string(dead_port), "--email-from",
                  "otasuke@helpdesk.example", "--webhook-max-attempts", "2",
                  "--webhook-initial-backoff", "100ms"});
  TestAgent agent(TestChannel(port_));
  agent.SendHello(MakeHello("agent-1", "sme-ward-3", "reception-pc"));
  agent.SendAlerts({MakeAlert(1, "rule-1", v1::SEVERITY_HIGH, "reception-pc")});
  ASSERT_TRUE(agent.WaitForAck(1));
  RunResult failed;
  ASSERT_TRUE(WaitUntil(absl::Seconds(60),
                        [&] {
                          failed = Ctl({"notifications", "list", "--state", "failed"});
                          return failed.output.find("email") != std::string::npos;
                        }))
      << failed.output << ReadFileOrEmpty(dir_.file("collector.log"));
  EXPECT_EQ(failed.exit_code, 0);
  EXPECT_THAT(failed.output, HasSubstr("failed"));
  EXPECT_THAT(failed.output, HasSubstr("SMTP smtp://127.0.0.1:" + std::to_string(dead_port)));
  RunResult json = Ctl({"notifications", "list", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.output;
  nlohmann::json list = nlohmann::json::parse(json.output);
  ASSERT_EQ(list["notifications"].size(), 1u);
  EXPECT_EQ(list["notifications"][0]["attempts"], 2);
  RunResult bad = Ctl({"notifications", "list", "--state", "lost"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("state: 'lost' is not pending, sent or failed"));
  // Notifications are the helper team's: an SME viewer is refused, like every console call
  // without the permission.
  RunResult viewer =
      Ctl({"tokens", "create", "owner", "--role", "viewer", "--tenant", "sme-ward-3"});
  ASSERT_EQ(viewer.exit_code, 0) << viewer.output;
  std::string secret = viewer.output.substr(viewer.output.find("otk-"), 68);
  RunResult refused = Ctl({"notifications", "list", "--token", secret});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("(role viewer) may not read notifications"));
}

TEST_F(ProcessTest, WorkOrderGoesThroughItsLifecycleWithOtasukectl) {
  StartCollector();
  TestAgent agent(TestChannel(port_));
  agent.SendHello(MakeHello("agent-1", "sme-ward-3", "reception-pc"));
  agent.SendAlerts({MakeAlert(1, "rule-1", v1::SEVERITY_HIGH, "reception-pc")});
  ASSERT_TRUE(agent.WaitForAck(1));

  RunResult unknown =
      Ctl({"workorders", "open", "--tenant", "nobody", "--address", "x", "--as", "tanaka"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("unknown tenant 'nobody'"));
  RunResult no_address = Ctl({"workorders", "open", "--tenant", "sme-ward-3", "--as", "tanaka"});
  EXPECT_EQ(no_address.exit_code, 1);
  EXPECT_THAT(no_address.output, HasSubstr("has no address on file"));

  RunResult opened =
      Ctl({"workorders", "open", "--tenant", "sme-ward-3", "--incident", "1", "--origin",
           "sme_request", "--reason", "owner asked for a visit", "--address", "千代田区1-2-3",
           "--access-notes", "back door", "--as", "tanaka", "--json"});
  ASSERT_EQ(opened.exit_code, 0) << opened.output;
  nlohmann::json order = nlohmann::json::parse(opened.output);
  EXPECT_EQ(order["state"], "WORK_ORDER_STATE_REQUESTED");
  EXPECT_EQ(order["site_address"], "千代田区1-2-3");
  std::string id = order["id"].is_string() ? order["id"].get<std::string>()
                                           : std::to_string(order["id"].get<int64_t>());

  RunResult illegal = Ctl({"workorders", "advance", id, "--to", "arrived", "--as", "tanaka"});
  EXPECT_EQ(illegal.exit_code, 1);
  EXPECT_THAT(illegal.output, HasSubstr("it can go to accepted or closed, not to 'arrived'"));
  RunResult bad_state = Ctl({"workorders", "advance", id, "--to", "done"});
  EXPECT_EQ(bad_state.exit_code, 2);
  EXPECT_THAT(bad_state.output, HasSubstr("unknown work-order state 'done'"));

  for (std::vector<std::string> step : std::vector<std::vector<std::string>>{
           {"--to", "accepted"},
           {"--to", "departed", "--cost", "2400", "--cost-note", "taxi"},
           {"--to", "arrived"},
           {"--evidence", "ransom note photographed"},
           {"--to", "contained", "--action", "unplugged the PC from the LAN"},
           {"--to", "closed", "--action", "handed over to the owner"}}) {
    std::vector<std::string> args = {"workorders", "advance", id, "--as", "tanaka"};
    args.insert(args.end(), step.begin(), step.end());
    RunResult result = Ctl(args);
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }
  RunResult shown = Ctl({"workorders", "show", id});
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("work order " + id + " (closed)"));
  EXPECT_THAT(shown.output, HasSubstr("contained -> closed"));
  EXPECT_THAT(shown.output, HasSubstr("¥2400 taxi"));
  EXPECT_THAT(shown.output, HasSubstr("ransom note photographed"));
  RunResult open_list = Ctl({"workorders", "list", "--open", "--json"});
  ASSERT_EQ(open_list.exit_code, 0) << open_list.output;
  EXPECT_FALSE(nlohmann::json::parse(open_list.output).contains("work_orders") &&
               !nlohmann::json::parse(open_list.output)["work_orders"].empty());
  RunResult all = Ctl({"workorders", "list"});
  EXPECT_THAT(all.output, HasSubstr("closed"));
  EXPECT_THAT(all.output, HasSubstr("sme_request"));
}

TEST_F(ProcessTest, KilledCollectorRestartsWithEverythingItAcked) {
  StartCollector();
  {
    TestAgent agent(TestChannel(port_));
    agent.SendHello(MakeHello("agent-1"));
    std::vector<v1::Alert> batch;
    for (uint64_t seq = 1; seq <= 50; ++seq) batch.push_back(MakeAlert(seq));
    agent.SendAlerts(batch);
    ASSERT_TRUE(agent.WaitForAck(50));
    collector_->Signal(SIGKILL);
    collector_->Wait(absl::Seconds(30));
    EXPECT_FALSE(agent.WaitForEnd().ok());
  }
  StartCollector();
  TestAgent agent(TestChannel(port_));
  agent.SendHello(MakeHello("agent-1"));
  ASSERT_TRUE(WaitUntil(absl::Seconds(20), [&] { return !agent.acks().empty(); }));
  EXPECT_EQ(agent.acks().front(), 50u);
  RunResult agents = Ctl({"agents", "list", "--json"});
  ASSERT_EQ(agents.exit_code, 0) << agents.output;
  EXPECT_EQ(nlohmann::json::parse(agents.output)["agents"][0]["acked_sequence"], "50");
}

// gRPC's default SO_REUSEPORT would let a second collector share the address and take half of
// the new connections into its own database; it must refuse to start instead.
TEST_F(ProcessTest, ASecondCollectorOnTheSameAddressRefusesToStart) {
  StartCollector();
  const std::string address = "127.0.0.1:" + std::to_string(port_);
  Subprocess second(
      {BinaryPath("otasuke-collector"), "--listen", address, "--data-dir", dir_.file("data-2"),
       "--transport-security", "insecure", "--run-as-user", "root"},
      dir_.file("second.log"));
  EXPECT_NE(second.Wait(absl::Seconds(30)), 0);
  EXPECT_THAT(ReadFileOrEmpty(dir_.file("second.log")),
              HasSubstr("cannot listen on " + address + " (address in use"));
  // The first one still serves every agent.
  for (int i = 0; i < 4; ++i) {
    TestAgent agent(TestChannel(port_));
    agent.SendHello(MakeHello("agent-" + std::to_string(i)));
    EXPECT_TRUE(agent.WaitForAck(0)) << "agent " << i;
  }
  RunResult agents = Ctl({"agents", "list", "--json"});
  ASSERT_EQ(agents.exit_code, 0) << agents.output;
  EXPECT_EQ(nlohmann::json::parse(agents.output)["agents"].size(), 4u);
}

TEST_F(ProcessTest, MalformedConfigStopsTheCollectorWithFileAndLine) {
  std::ofstream(dir_.file("collector.yaml")) << "listen: 127.0.0.1:0\nwebhook:\n  retries: 3\n";
  Subprocess collector({BinaryPath("otasuke-collector"), "--config", dir_.file("collector.yaml")},
                       dir_.file("bad.log"));
  EXPECT_EQ(collector.Wait(absl::Seconds(30)), 2);
  EXPECT_THAT(ReadFileOrEmpty(dir_.file("bad.log")),
              HasSubstr("collector.yaml:3:3: unknown setting 'webhook.retries'"));
}

TEST_F(ProcessTest, AnUnusableDataDirectoryIsReported) {
  std::ofstream(dir_.file("file")) << "x";
  Subprocess collector({BinaryPath("otasuke-collector"), "--listen", "127.0.0.1:0", "--data-dir",
                        dir_.file("file") + "/data", "--run-as-user", "root"},
                       dir_.file("bad.log"));
  EXPECT_EQ(collector.Wait(absl::Seconds(30)), 1);
  EXPECT_THAT(ReadFileOrEmpty(dir_.file("bad.log")), HasSubstr("cannot create data directory"));
}

}  // namespace
}  // namespace otasuke::collector
