// Load generator: N agents stream alerts over real gRPC (loopback) into an in-process collector
// with its SQLite store on disk; reports durable ingest (alerts acked after commit per second).
//
//   collector_ingest_bench [--agents N] [--alerts-per-agent N] [--batch N] [--data-dir DIR]

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "collector/app/collector_app.h"
#include "common/cli.h"
#include "common/log.h"
#include "tests/collector/test_agent.h"

namespace {

long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace otasuke::collector;
  int64_t agents = 20;
  int64_t per_agent = 2000;
  int64_t batch = 100;
  std::string data_dir;
  bool help = false;
  const otasuke::cli::FlagSpec flags[] = {
      {"agents", "N", "concurrent agent streams", &agents},
      {"alerts-per-agent", "N", "alerts each agent sends", &per_agent},
      {"batch", "N", "alerts per AlertBatch", &batch},
      {"data-dir", "DIR", "where the collector's database goes (default: a fresh temp dir)",
       &data_dir},
      {"help", "", "show this help", &help},
  };
  auto parsed = otasuke::cli::ParseFlags(flags, argc, argv, 1);
  if (!parsed.ok() || help) {
    std::cerr << otasuke::cli::FlagsHelp(flags);
    return help ? 0 : 2;
  }
  otasuke::SetLogLevel(otasuke::LogLevel::kWarn);
  std::string dir = data_dir;
  if (dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "otasuke-bench-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
  }
  CollectorConfig config;
  config.listen = "127.0.0.1:0";
  config.data_dir = dir;
  config.max_message_bytes = 16 << 20;
  config.transport_security = "insecure";  // plaintext loopback, as the figures were taken
  // Measures ingest, not the per-agent rate limits (docs/SECURITY.md): lift them.
  config.limits_alerts_per_second = int64_t{1} << 40;
  config.limits_bytes_per_second = int64_t{1} << 50;
  CollectorApp app(config);
  if (absl::Status s = app.Start(); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  // Build every batch before the clock starts: measure the collector, not the generator.
  std::vector<std::vector<std::vector<otasuke::v1::Alert>>> work(agents);
  for (int64_t a = 0; a < agents; ++a) {
    uint64_t seq = 0;
    for (int64_t sent = 0; sent < per_agent; sent += batch) {
      auto& b = work[a].emplace_back();
      for (int64_t k = 0; k < batch && sent + k < per_agent; ++k) {
        b.push_back(testing::MakeAlert(++seq, absl::StrCat("rule-", k % 7),
                                       otasuke::v1::SEVERITY_MEDIUM, absl::StrCat("host-", a)));
      }
    }
  }
  std::atomic<int64_t> acked{0};
  absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int64_t a = 0; a < agents; ++a) {
    threads.emplace_back([&, a] {
      testing::TestAgent agent(testing::TestChannel(app.port(), 16 << 20));
      agent.SendHello(
          testing::MakeHello(absl::StrCat("bench-", a), "bench-tenant", absl::StrCat("host-", a)));
      for (const auto& b : work[a]) agent.SendAlerts(b);
      if (agent.WaitForAck(static_cast<uint64_t>(per_agent), absl::Minutes(10))) {
        acked += per_agent;
      }
      agent.Close();
    });
  }
  for (auto& t : threads) t.join();
  absl::Duration elapsed = absl::Now() - start;
  StoreCounters counters = app.store().counters();
  double seconds = absl::ToDoubleSeconds(elapsed);
  std::printf("agents=%lld alerts_per_agent=%lld batch=%lld\n", static_cast<long long>(agents),
              static_cast<long long>(per_agent), static_cast<long long>(batch));
  std::printf("acked=%lld stored=%llu in %.2f s -> %.0f alerts/s durable\n",
              static_cast<long long>(acked.load()),
              static_cast<unsigned long long>(counters.alerts_stored), seconds,
              static_cast<double>(acked.load()) / seconds);
  std::printf(
      "transactions=%llu writes=%llu (%.1f writes per transaction)\n",
      static_cast<unsigned long long>(counters.transactions),
      static_cast<unsigned long long>(counters.writes),
      counters.transactions ? static_cast<double>(counters.writes) / counters.transactions : 0.0);
  std::printf("process RSS (collector + load generator) = %ld MiB\n", RssKib() / 1024);
  app.Stop();
  if (data_dir.empty()) std::filesystem::remove_all(dir);
  return acked.load() == agents * per_agent ? 0 : 1;
}
