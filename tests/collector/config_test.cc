// Collector configuration: YAML file, flags over file, and every bad input named by
// file:line:column and why.

#include "collector/app/config.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<CollectorConfig> Load(std::vector<std::string> args, bool* help = nullptr) {
  std::vector<const char*> argv = {"otasuke-collector"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  bool ignored = false;
  return LoadCollectorConfig(static_cast<int>(argv.size()), argv.data(),
                             help != nullptr ? help : &ignored);
}

std::string Write(const otasuke::testing::TempDir& dir, const std::string& text) {
  std::string path = dir.file("collector.yaml");
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, DefaultsAreDocumented) {
  auto config = Load({"--data-dir", "/tmp/x"});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->listen, "127.0.0.1:7443");
  EXPECT_EQ(config->incident_window, absl::Hours(1));
  EXPECT_EQ(config->incidents_group_by, "community_id,process_tree,remote_ip,rule");
  EXPECT_EQ(config->max_message_bytes, 4 << 20);
  EXPECT_EQ(config->store_synchronous, "full");
  EXPECT_EQ(config->limits_hello_timeout, absl::Seconds(10));
  EXPECT_EQ(config->limits_max_unauthenticated_per_address, 32);
  std::string help = CollectorHelp();
  // The agent's layout (config::Describe): flag and what it takes, help, key and default.
  EXPECT_THAT(help, HasSubstr("  --webhook-url URL\n      "));
  EXPECT_THAT(help, HasSubstr("  --incident-window DURATION\n"));
  EXPECT_THAT(help, HasSubstr("config: incident_window (default: 1h)"));
}

TEST(ConfigTest, DataDirDefaultsToTheServiceStateDirectory) {
  setenv("STATE_DIRECTORY", "/var/lib/otasuke-test:/other", 1);
  auto config = Load({});
  unsetenv("STATE_DIRECTORY");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->data_dir, "/var/lib/otasuke-test");
  EXPECT_EQ(DefaultDataDir(), "/var/lib/otasuke-collector");
}

TEST(ConfigTest, FileThenFlags) {
  otasuke::testing::TempDir dir;
  std::string path = Write(dir,
                           "listen: 127.0.0.1:0\n"
                           "data_dir: /srv/otasuke\n"
                           "incident_window: 30m\n"
                           "incidents:\n"
                           "  group_by: process_tree, rule\n"
                           "webhook:\n"
                           "  url: http://127.0.0.1:8080/hook\n"
                           "  max_attempts: 7\n"
                           "store:\n"
                           "  max_batch: 64\n"
                           "  read_ahead: 2\n");
  auto config = Load({"--config", path, "--incident-window", "2h"});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->listen, "127.0.0.1:0");
  EXPECT_EQ(config->data_dir, "/srv/otasuke");
  EXPECT_EQ(config->incident_window, absl::Hours(2));  // the flag wins
  EXPECT_EQ(config->incidents_group_by, "process_tree, rule");
  EXPECT_EQ(config->webhook_url, "http://127.0.0.1:8080/hook");
  EXPECT_EQ(config->webhook_max_attempts, 7);
  EXPECT_EQ(config->store_max_batch, 64);
  EXPECT_EQ(config->store_read_ahead, 2);
  EXPECT_THAT(Load({"--store-read-ahead", "0"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "store.read_ahead: must be 1 .. 64"));
}

TEST(ConfigTest, HelpIsRecognisedEvenWithABrokenFile) {
  bool help = false;
  ASSERT_THAT(Load({"--help"}, &help), IsOk());
  EXPECT_TRUE(help);
  help = false;
  ASSERT_THAT(Load({"--config", "/nonexistent/collector.yaml", "--help"}, &help), IsOk());
  EXPECT_TRUE(help);
}

TEST(ConfigTest, ConfigFlagForms) {
  otasuke::testing::TempDir dir;
  std::string path = Write(dir, "incident_window: 30m\n");
  auto config = Load({"--data-dir", "/x", "--config=" + path});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->incident_window, absl::Minutes(30));
  EXPECT_THAT(Load({"--config"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "flag --config needs a value (FILE)"));
}

struct BadConfig {
  std::string name;
  std::string yaml;
  std::string expected;
};

TEST(ConfigTest, BadFilesNameFileLineAndWhy) {
  std::vector<BadConfig> cases = {
      {"unclosed flow sequence", "listen: 127.0.0.1:1\nfoo: [1, 2\n",
       "collector.yaml:3:1: invalid YAML"},
      {"bad indentation", "webhook:\n  url: http://x\n max_attempts: 3\n", "collector.yaml:3:"},
      {"unknown key", "listen: 127.0.0.1:1\nlisten_adress: x\n",
       "collector.yaml:2:1: unknown setting 'listen_adress'"},
      {"unknown nested key", "webhook:\n  urll: http://x\n",
       "collector.yaml:2:3: unknown setting 'webhook.urll'"},
      {"not an integer", "max_message_bytes: lots\n",
       "collector.yaml:1:20: max_message_bytes: expected an integer such as 512 or 8MiB, got "
       "'lots'"},
      {"not a duration", "incident_window: 1 hour\n",
       "collector.yaml:1:18: incident_window: expected a duration"},
      {"section is not a map", "webhook: http://x\n",
       "collector.yaml:1:1: 'webhook' must be a mapping"},
      {"list instead of value", "listen: [a, b]\n",
       "collector.yaml:1:9: listen: expected a single value"},
      {"top level is a list", "- listen\n", "the configuration must be a mapping"},
  };
  for (const BadConfig& c : cases) {
    SCOPED_TRACE(c.name);
    otasuke::testing::TempDir dir;
    std::string path = Write(dir, c.yaml);
    auto config = Load({"--config", path});
    ASSERT_FALSE(config.ok());
    EXPECT_THAT(std::string(config.status().message()), HasSubstr(c.expected));
  }
}

TEST(ConfigTest, EveryErrorIsReportedNotOnlyTheFirst) {
  otasuke::testing::TempDir dir;
  std::string path = Write(dir, "colour: red\nwebhook:\n  max_attempts: x\n");
  auto config = Load({"--config", path});
  ASSERT_FALSE(config.ok());
  std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr(":1:1: unknown setting 'colour'"));
  EXPECT_THAT(message, HasSubstr(":3:17: webhook.max_attempts: expected an integer"));
}

TEST(ConfigTest, BadValuesAreRejected) {
  EXPECT_THAT(Load({"--data-dir", "/x", "--listen", "nowhere"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "listen: 'nowhere' is not HOST:PORT"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--webhook-url", "ftp://x"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "must start with http://"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--max-message-bytes", "10"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "max_message_bytes: 10 is outside"));
  EXPECT_THAT(
      Load({"--data-dir", "/x", "--listen", "0.0.0.0:7443", "--transport-security", "insecure"}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "insecure is allowed only on a loopback listen address"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--transport-security", "none"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "'none' is not tls or insecure"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--store-synchronous", "off"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "store.synchronous: 'off' is not full or normal"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--log-level", "loud"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "log_level: 'loud'"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--incident-window", "0s"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "incident_window: must be positive"));
  EXPECT_THAT(
      Load({"--data-dir", "/x", "--incident-window", "-5m"}),
      StatusIs(absl::StatusCode::kInvalidArgument, "flag --incident-window: expected a duration"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--incidents-group-by", "rule,proces_tree"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "incidents.group_by: unknown entity 'proces_tree' (known: community_id, "
                       "process_tree, remote_ip, rule)"));
  EXPECT_THAT(Load({"--incident-window", "soon"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                                            "flag --incident-window: expected a "
                                                            "duration"));
  EXPECT_THAT(Load({"--no-such-flag"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown flag '--no-such-flag'"));
  EXPECT_THAT(Load({"--config", "/nonexistent/collector.yaml"}),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent/collector.yaml"));
  EXPECT_THAT(Load({"stray"}), StatusIs(absl::StatusCode::kInvalidArgument, "unexpected argument"));
  EXPECT_THAT(
      Load({"--data-dir", "/x", "--limits-hello-timeout", "50ms"}),
      StatusIs(absl::StatusCode::kInvalidArgument, "limits.hello_timeout: must be 100ms .. 1h"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--limits-max-unauthenticated-per-address", "0"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "limits.max_unauthenticated_per_address: must be 1 .. 1000000"));
}

TEST(ConfigTest, ManualClockIsATestModeOfTheInsecureLoopbackCollectorOnly) {
  EXPECT_THAT(Load({"--data-dir", "/x", "--clock", "manual"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "clock: manual is a test mode, allowed only with transport_security "
                       "insecure"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--clock", "fast"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "clock: 'fast' is not real or manual"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--clock-start", "2026-10-05T10:00:00+09:00"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "clock_start: only with clock: manual"));
  EXPECT_THAT(Load({"--data-dir", "/x", "--transport-security", "insecure", "--clock", "manual",
                    "--clock-start", "monday"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "clock_start: 'monday' is not an RFC 3339 time"));
  auto config = Load({"--data-dir", "/x", "--transport-security", "insecure", "--clock", "manual",
                      "--clock-start", "2026-10-05T10:00:00+09:00"});
  ASSERT_THAT(config, IsOk());
  auto start = ManualClockStart(*config, absl::UnixEpoch());
  ASSERT_THAT(start, IsOk());
  EXPECT_EQ(absl::FormatTime(absl::RFC3339_sec, *start, absl::UTCTimeZone()),
            "2026-10-05T01:00:00+00:00");
}

TEST(ConfigTest, AnEmptyFileMeansDefaults) {
  otasuke::testing::TempDir dir;
  std::string path = Write(dir, "");
  auto config = Load({"--config", path, "--data-dir", "/x"});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->listen, "127.0.0.1:7443");
}

}  // namespace
}  // namespace otasuke::collector
