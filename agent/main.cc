// otasuke-agent: the Otasuke sensor for SME PCs and small routers.
//
//   otasuke-agent [run] [--config FILE] [SETTING FLAGS...]   the daemon
//   otasuke-agent scan-pcap ...                               network rules over pcap files
//   otasuke-agent scan-events ...                             Sigma rules over event files
//   otasuke-agent --list-fields | --help | --version

#include <signal.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/app/agent_app.h"
#include "agent/app/subcommands.h"
#include "agent/config/agent_config.h"
#include "common/log.h"
#include "common/privileges.h"

namespace {

using otasuke::agent::AgentConfig;

constexpr std::string_view kUsage = R"(otasuke-agent — Otasuke security agent

Usage:
  otasuke-agent [run] [--config FILE] [SETTINGS...]
  otasuke-agent --version
)";

constexpr std::string_view kUsageDaemon = R"(
The daemon watches this machine, runs the rule set and streams alerts to the collector.
Settings come from the YAML config file (see installers/agent.yaml), and any setting can be
given as a flag, which wins over the file:

  --config FILE
      YAML config file (default: none; the built-in defaults below)
)";

int RunDaemon(const std::vector<std::string>& args) {
  AgentConfig config;
  std::vector<otasuke::config::Field> fields = config.Fields();
  std::string config_path;
  absl::StatusOr<std::vector<std::string>> leftover =
      otasuke::config::LoadFileThenFlags(fields, args, &config_path);
  if (!leftover.ok()) {
    std::fprintf(stderr, "otasuke-agent: %s\n", std::string(leftover.status().message()).c_str());
    return 2;
  }
  if (!leftover->empty()) {
    std::fprintf(stderr, "otasuke-agent: unknown argument '%s' (see --help)\n",
                 leftover->front().c_str());
    return 2;
  }
  if (absl::Status s = config.Validate(); !s.ok()) {
    std::fprintf(stderr, "otasuke-agent: %s%s\n",
                 config_path.empty() ? "" : (config_path + ": ").c_str(),
                 std::string(s.message()).c_str());
    return 2;
  }
  otasuke::LogLevel level;
  otasuke::ParseLogLevel(config.log_level, &level);
  otasuke::SetLogLevel(level);
  otasuke::SetLogComponent("otasuke-agent");

  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Before any thread starts, so every thread inherits it (see common/privileges.h).
  if (absl::Status s = otasuke::SetNoNewPrivileges(); !s.ok()) {
    LOG_ERROR("cannot start: %s", s.ToString());
    return 1;
  }
  otasuke::agent::AgentApp app(std::move(config));
  if (absl::Status s = app.Start(); !s.ok()) {
    LOG_ERROR("cannot start: %s", s.ToString());
    return 1;
  }
  LOG_INFO("running; SIGTERM or SIGINT stops");
  int sig = 0;
  sigwait(&signals, &sig);
  LOG_INFO("signal %d: stopping", sig);
  app.Stop(absl::Seconds(5));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // As in the collector: no deadlock-detection graph on every lock in the service (tests keep it).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty()) {
    const std::string& cmd = args[0];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      AgentConfig defaults;
      std::printf("%s%s%s%s", std::string(kUsage).c_str(),
                  std::string(otasuke::agent::SubcommandsUsage()).c_str(),
                  std::string(kUsageDaemon).c_str(),
                  otasuke::config::Describe(defaults.Fields()).c_str());
      return 0;
    }
    if (cmd == "--version") {
      std::printf("otasuke-agent %s\n", OTASUKE_VERSION);
      return 0;
    }
    if (const auto* sub = otasuke::agent::FindSubcommand(cmd)) {
      return sub->run(argc - 1, argv + 1);
    }
    if (cmd == "run") args.erase(args.begin());
  }
  return RunDaemon(args);
}
