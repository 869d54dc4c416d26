#include "agent/config/agent_config.h"

#include <algorithm>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/paths.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::SourceDir;
using ::otasuke::testing::StatusIs;
using ::otasuke::testing::TempDir;
using ::testing::HasSubstr;

TEST(AgentConfigTest, LoadsTheShippedExampleConfig) {
  AgentConfig config;
  auto fields = config.Fields();
  ASSERT_THAT(config::LoadYamlFile(fields, SourceDir() + "/installers/agent.yaml"), IsOk());
  EXPECT_THAT(config.Validate(), IsOk());
}

TEST(AgentConfigTest, YamlNestedKeysDurationsAndSizes) {
  AgentConfig config;
  auto fields = config.Fields();
  ASSERT_THAT(config::LoadYamlText(fields, R"(
tenant: sme-042
collector: 10.0.0.5:7443
heartbeat_interval: 2s
reconnect:
  initial_backoff: 250ms
  max_backoff: 5m
  ack_timeout: 45s
  keepalive_interval: 20s
  keepalive_timeout: 5s
queue:
  max_alerts: 500
  max_bytes: 8MiB
rules: [/etc/a, /etc/b]
sources:
  process: false
sigma:
  scan_cache_entries: 1024
  candidate_memo_entries: 64
  event_memo_entries: 128
network:
  tls_encryption_handling: full
)",
                                   "agent.yaml"),
              IsOk());
  EXPECT_EQ(config.tenant, "sme-042");
  EXPECT_EQ(config.heartbeat_interval, absl::Seconds(2));
  EXPECT_EQ(config.reconnect_initial_backoff, absl::Milliseconds(250));
  EXPECT_EQ(config.reconnect_max_backoff, absl::Minutes(5));
  EXPECT_EQ(config.reconnect_ack_timeout, absl::Seconds(45));
  EXPECT_EQ(config.reconnect_keepalive_interval, absl::Seconds(20));
  EXPECT_EQ(config.reconnect_keepalive_timeout, absl::Seconds(5));
  EXPECT_EQ(config.queue_max_alerts, 500);
  EXPECT_EQ(config.queue_max_bytes, 8 << 20);
  EXPECT_EQ(config.rules, (std::vector<std::string>{"/etc/a", "/etc/b"}));
  EXPECT_FALSE(config.process_source);
  EXPECT_EQ(config.network_tls_encryption_handling, "full");
  EXPECT_EQ(config.sigma_scan_cache_entries, 1024);
  EXPECT_EQ(config.sigma_candidate_memo_entries, 64);
  EXPECT_EQ(config.sigma_event_memo_entries, 128);
}

TEST(AgentConfigTest, UnknownKeyNamesFileLineAndKey) {
  AgentConfig config;
  auto fields = config.Fields();
  EXPECT_THAT(config::LoadYamlText(fields, "tenant: x\nqueue:\n  max_alertz: 3\n", "a.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.yaml:3:3: unknown setting 'queue.max_alertz'"));
}

TEST(AgentConfigTest, BadValuesNameTheKey) {
  AgentConfig config;
  auto fields = config.Fields();
  EXPECT_THAT(config::LoadYamlText(fields, "heartbeat_interval: soon\n", "a.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.yaml:1:21: heartbeat_interval: expected a duration"));
  EXPECT_THAT(config::LoadYamlText(fields, "queue:\n  max_alerts: lots\n", "a.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, "expected an integer"));
  EXPECT_THAT(config::LoadYamlText(fields, "sources:\n  process: maybe\n", "a.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, "expected true or false"));
}

// The loader (common/config_table.h, shared with the collector) reports every mistake of a
// file at once, each with its place.
TEST(AgentConfigTest, EveryErrorIsReportedNotOnlyTheFirst) {
  AgentConfig config;
  auto fields = config.Fields();
  const absl::Status status = config::LoadYamlText(
      fields, "colour: red\nqueue:\n  max_alerts: x\nsources: [a]\nheartbeat_interval: [1]\n",
      "a.yaml");
  ASSERT_FALSE(status.ok());
  const std::string message(status.message());
  EXPECT_THAT(message, HasSubstr("a.yaml:1:1: unknown setting 'colour' (known: tenant, "));
  EXPECT_THAT(message, HasSubstr("a.yaml:3:15: queue.max_alerts: expected an integer"));
  EXPECT_THAT(message, HasSubstr("a.yaml:4:1: 'sources' must be a mapping of settings"));
  EXPECT_THAT(message,
              HasSubstr("a.yaml:5:21: heartbeat_interval: expected a single value, not a list"));
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 3) << message;
}

TEST(AgentConfigTest, SizesThatOverflowAreRejected) {
  AgentConfig config;
  auto fields = config.Fields();
  EXPECT_THAT(config::LoadYamlText(fields, "queue:\n  max_bytes: 9223372036854775807G\n", "a.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, "is too large"));
  EXPECT_TRUE(config::LoadYamlText(fields, "queue:\n  max_bytes: 8MiB\n", "a.yaml").ok());
  EXPECT_EQ(config.queue_max_bytes, 8 << 20);
}

TEST(AgentConfigTest, MalformedYamlIsAClearError) {
  AgentConfig config;
  auto fields = config.Fields();
  EXPECT_THAT(config::LoadYamlText(fields, "tenant: [unclosed\n", "bad.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, "bad.yaml:"));
  EXPECT_THAT(config::LoadYamlText(fields, "- a list\n", "bad.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, "must be a mapping of settings"));
}

TEST(AgentConfigTest, MissingFileIsAClearError) {
  AgentConfig config;
  auto fields = config.Fields();
  EXPECT_THAT(config::LoadYamlFile(fields, "/nonexistent/agent.yaml"),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent/agent.yaml"));
}

TEST(AgentConfigTest, FlagsOverrideAndUnknownArgumentsAreReturned) {
  AgentConfig config;
  auto fields = config.Fields();
  auto rest = config::ApplyFlags(
      fields, {"--tenant", "t1", "--queue-max-alerts=7", "--sources-process=false", "extra"});
  ASSERT_THAT(rest, IsOk());
  EXPECT_EQ(*rest, std::vector<std::string>{"extra"});
  EXPECT_EQ(config.tenant, "t1");
  EXPECT_EQ(config.queue_max_alerts, 7);
  EXPECT_FALSE(config.process_source);
  auto lists = config::ApplyFlags(fields, {"--rules", "/a", "--rules=/b"});
  ASSERT_THAT(lists, IsOk());
  EXPECT_EQ(config.rules, (std::vector<std::string>{"/a", "/b"})) << "flags replace the default";
  EXPECT_THAT(config::ApplyFlags(fields, {"--heartbeat-interval", "x"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "--heartbeat-interval"));
}

TEST(AgentConfigTest, ValidateRejectsNonsense) {
  AgentConfig config;
  config.profile = "toaster";
  EXPECT_THAT(config.Validate(), StatusIs(absl::StatusCode::kInvalidArgument, "profile"));
  config = AgentConfig();
  config.collector = "nohostport";
  EXPECT_THAT(config.Validate(), StatusIs(absl::StatusCode::kInvalidArgument, "collector"));
  config = AgentConfig();
  config.max_message_bytes = 10;
  EXPECT_THAT(config.Validate(), StatusIs(absl::StatusCode::kInvalidArgument, "max_message"));
  config = AgentConfig();
  config.reconnect_keepalive_interval = absl::Seconds(5);  // the collector would answer GOAWAY
  EXPECT_THAT(config.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "reconnect.keepalive_interval: must be at least 10s"));
  config = AgentConfig();
  config.sigma_scan_cache_entries = 100000;
  EXPECT_THAT(config.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sigma.scan_cache_entries: must be between 0 and 65536, got 100000"));
  config = AgentConfig();
  config.sigma_candidate_memo_entries = -1;
  EXPECT_THAT(config.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sigma.candidate_memo_entries: must be between 0 and 65536, got -1"));
  config = AgentConfig();
  config.sigma_event_memo_entries = 70000;
  EXPECT_THAT(config.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sigma.event_memo_entries: must be between 0 and 65536, got 70000"));
  config = AgentConfig();
  config.reconnect_ack_timeout = absl::Milliseconds(10);
  EXPECT_THAT(config.Validate(), StatusIs(absl::StatusCode::kInvalidArgument, "ack_timeout"));
  config = AgentConfig();
  config.connection_idle_interval = absl::Minutes(5);
  EXPECT_THAT(config.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "sources.connections_idle_interval: must be between "
                                          "100ms and 1m"));
  config = AgentConfig();
  config.network_tls_encryption_handling = "off";
  EXPECT_THAT(config.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "network.tls_encryption_handling: expected default, full or bypass, "
                       "got 'off'"));
  config.network_tls_encryption_handling = "bypass";
  EXPECT_THAT(config.Validate(), IsOk());
}

TEST(AgentConfigTest, HelpListsEveryFieldWithDefault) {
  AgentConfig config;
  std::string help = config::Describe(config.Fields());
  EXPECT_NE(help.find("--queue-max-alerts"), std::string::npos);
  EXPECT_NE(help.find("config: queue.max_alerts (default: 10000)"), std::string::npos);
  EXPECT_NE(help.find("--heartbeat-interval DURATION\n"), std::string::npos);
  EXPECT_NE(help.find("--rules-strict[=true|false]\n"), std::string::npos);
}

TEST(AgentConfigTest, FileThenFlagsTheFlagWins) {
  otasuke::testing::TempDir dir;
  const std::string path = dir.file("agent.yaml");
  std::ofstream(path) << "tenant: from-file\nqueue:\n  max_alerts: 5\n";
  AgentConfig config;
  auto fields = config.Fields();
  std::string named;
  auto rest =
      config::LoadFileThenFlags(fields, {"--tenant", "from-flag", "--config", path, "x"}, &named);
  ASSERT_THAT(rest, IsOk());
  EXPECT_EQ(*rest, std::vector<std::string>{"x"});
  EXPECT_EQ(named, path);
  EXPECT_EQ(config.tenant, "from-flag") << "a flag wins over the file, wherever it stands";
  EXPECT_EQ(config.queue_max_alerts, 5);
  EXPECT_THAT(config::LoadFileThenFlags(fields, {"--config=/nonexistent/agent.yaml"}, &named),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent/agent.yaml"));
}

}  // namespace
}  // namespace otasuke::agent

namespace otasuke::agent {
namespace {

TEST(AgentConfigTest, InsecureTransportOnlyWithALoopbackCollector) {
  AgentConfig config;
  EXPECT_EQ(config.transport_security, "tls");
  config.transport_security = "insecure";
  config.collector = "127.0.0.1:7443";
  EXPECT_THAT(config.Validate(), ::otasuke::testing::IsOk());
  config.collector = "10.0.0.5:7443";
  EXPECT_THAT(config.Validate(),
              ::otasuke::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                           "insecure is allowed only with a loopback collector"));
  config.transport_security = "plaintext";
  EXPECT_THAT(config.Validate(),
              ::otasuke::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                           "expected tls or insecure, got 'plaintext'"));
}

}  // namespace
}  // namespace otasuke::agent
