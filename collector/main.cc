// otasuke-collector: receives alerts from agents, stores them, groups them into incidents and
// notifies the helper team. Stops cleanly on SIGINT or SIGTERM.

#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <iostream>

#include "absl/synchronization/mutex.h"
#include "collector/app/collector_app.h"
#include "collector/app/config.h"
#include "common/log.h"

int main(int argc, char** argv) {
  // Debian's Abseil is built with mutex deadlock detection on: it records every lock
  // acquisition in a global graph (3.8 % of the collector's CPU at 2,000 one-alert batches/s).
  // The test binaries keep it; the service does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      std::cout << "otasuke-collector " << OTASUKE_VERSION << "\n";
      return 0;
    }
  }
  otasuke::SetLogComponent("otasuke-collector");
  bool help = false;
  absl::StatusOr<otasuke::collector::CollectorConfig> config =
      otasuke::collector::LoadCollectorConfig(argc, argv, &help);
  if (help) {
    std::cout << otasuke::collector::CollectorHelp();
    return 0;
  }
  if (!config.ok()) {
    std::cerr << "otasuke-collector: " << config.status().message() << "\n"
              << "(see otasuke-collector --help)\n";
    return 2;
  }
  otasuke::LogLevel level;
  otasuke::ParseLogLevel(config->log_level, &level);
  otasuke::SetLogLevel(level);

  // Block the stop signals in every thread (threads inherit the mask), then wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  if (absl::Status user = otasuke::collector::CheckNotRootWithoutRunAsUser(*config); !user.ok()) {
    LOG_ERROR("cannot start: %s", user.message());
    return 1;
  }
  // Every connected agent holds a connection: raise the soft limit on open files to the hard
  // limit (systemd's default soft limit, 1024, would refuse agents long before 10,000).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &files) != 0) LOG_WARN("cannot raise the open-file limit");
  }

  otasuke::collector::CollectorApp app(*config);
  absl::Status started = app.Start();
  if (!started.ok()) {
    LOG_ERROR("cannot start: %s", started.ToString());
    return 1;
  }
  LOG_INFO("otasuke-collector %s ready", OTASUKE_VERSION);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  LOG_INFO("received %s; shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  app.Stop();
  LOG_INFO("stopped cleanly");
  return 0;
}
