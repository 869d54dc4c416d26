// collector_load: a load generator for otasuke-collector. It starts the real collector binary
// (its own process, database on disk, webhook to a receiver in this process) and N simulated
// agents, each a real gRPC stream doing Hello -> batches -> Acks like the agent, spread over C
// connections. Three measurements (docs/PERFORMANCE.md has the commands and figures):
//
//   --mode ingest   every agent sends --alerts-per-agent as fast as Acks allow: durable
//                   (acknowledged after commit) alerts/s, and CPU seconds of each process.
//   --mode latency  --rate alerts/s for --seconds: alert -> Ack and alert -> webhook receipt
//                   latency, p50 / p99 / max.
//   --mode idle     N agents connect and stay idle: collector RSS before and after.

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/collector/load_alerts.h"
#include "bench/collector/simulated_agent.h"
#include "common/cli.h"
#include "tests/testing/subprocess.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace otasuke::collector::bench {
namespace {

struct LoadOptions {
  std::string mode = "ingest";
  int64_t agents = 100;
  int64_t connections = 0;  // 0: one per agent
  int64_t tenants = 10;
  int64_t batch = 100;
  int64_t max_in_flight = 2048;
  int64_t alerts_per_agent = 1000;
  int64_t rate = 5000;
  int64_t seconds = 20;
  int64_t settle_seconds = 5;
  int64_t new_incident_every = 500;
  int64_t uuid_version = 7;
  std::string collector_bin;
  std::vector<std::string> collector_flags;
  std::string work_dir;
};

// A process's resident memory and CPU time, from /proc.
struct ProcSample {
  int64_t rss_kib = 0;
  int64_t peak_rss_kib = 0;
  double cpu_seconds = 0;
  double system_cpu_seconds = 0;  // of cpu_seconds, in the kernel (syscalls: writes, syncs)
  int64_t written_bytes = 0;      // handed to write(2) and pwrite(2): the WAL and checkpoints
};

ProcSample SampleProcess(pid_t pid) {
  ProcSample sample;
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) sample.rss_kib = std::atoll(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) sample.peak_rss_kib = std::atoll(line.c_str() + 6);
  }
  std::ifstream io(absl::StrCat("/proc/", pid, "/io"));
  while (std::getline(io, line)) {
    if (line.rfind("wchar:", 0) == 0) sample.written_bytes = std::atoll(line.c_str() + 6);
  }
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  size_t close = text.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::atoll(field.c_str());
      if (i == 15) stime = std::atoll(field.c_str());
    }
    sample.cpu_seconds = static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
    sample.system_cpu_seconds = static_cast<double>(stime) / sysconf(_SC_CLK_TCK);
  }
  return sample;
}

// Ten thousand connections need ten thousand descriptors here and in the collector (which
// inherits the limit).
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  std::printf("open file limit: %llu\n", static_cast<unsigned long long>(limit.rlim_cur));
}

bool WaitFor(absl::Duration timeout, const std::function<bool()>& done) {
  absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

void PrintLatency(const char* what, std::vector<int32_t> samples) {
  if (samples.empty()) {
    std::printf("%s: no samples\n", what);
    return;
  }
  size_t n = samples.size();
  int32_t p50 = Percentile(samples, 50);
  int32_t p99 = Percentile(samples, 99);
  std::printf("%s: n=%zu p50=%.1f ms p99=%.1f ms max=%.1f ms\n", what, n, p50 / 1000.0,
              p99 / 1000.0, samples.back() / 1000.0);
}

class LoadRun {
 public:
  explicit LoadRun(LoadOptions options)
      : options_(std::move(options)),
        factory_(options_.new_incident_every, static_cast<int>(options_.uuid_version)) {}

  int Run() {
    if (absl::Status s = StartCollector(); !s.ok()) {
      std::cerr << "collector_load: " << s << "\n";
      return 1;
    }
    ProcSample before = SampleProcess(collector_->pid());
    std::printf("collector pid %d listening on port %d; RSS before agents %.1f MiB\n",
                collector_->pid(), port_, before.rss_kib / 1024.0);
    absl::Time connect_start = absl::Now();
    ConnectAgents();
    if (!WaitFor(absl::Minutes(3), [&] { return counters_.connected >= options_.agents; })) {
      std::cerr << "collector_load: only " << counters_.connected << " of " << options_.agents
                << " agents connected within 3 minutes\n";
      return Shutdown(1);
    }
    std::printf("%lld agents connected over %lld connections in %.2f s\n",
                static_cast<long long>(options_.agents), static_cast<long long>(channels_.size()),
                absl::ToDoubleSeconds(absl::Now() - connect_start));
    int rc = 2;
    if (options_.mode == "ingest") rc = Ingest();
    if (options_.mode == "latency") rc = Latency();
    if (options_.mode == "idle") rc = Idle(before);
    return Shutdown(rc);
  }

 private:
  absl::Status StartCollector() {
    sink_ = std::make_unique<tools::WebhookSink>(
        tools::WebhookSink::Options{.on_request = [this](const tools::ReceivedRequest& request) {
          factory_.OnNotification(request.body, absl::Now());
        }});
    absl::StatusOr<int> sink_port = sink_->Start();
    if (!sink_port.ok()) return sink_port.status();
    std::filesystem::create_directories(options_.work_dir);
    std::string port_file = options_.work_dir + "/collector.port";
    std::vector<std::string> argv = {
        options_.collector_bin,
        "--listen=127.0.0.1:0",
        absl::StrCat("--port-file=", port_file),
        absl::StrCat("--data-dir=", options_.work_dir, "/data"),
        absl::StrCat("--webhook-url=http://127.0.0.1:", *sink_port, "/otasuke"),
        "--log-level=warn",
        // Plaintext loopback, root, and no per-agent limits or stream cap: the bench measures
        // the ingest path itself, with up to 10,000 agents streaming as fast as they can.
        "--transport-security=insecure",
        "--run-as-user=root",
        "--limits-alerts-per-second=1000000000",
        "--limits-bytes-per-second=1000000000000",
        "--limits-max-streams=100000",
    };
    for (const std::string& flag : options_.collector_flags) argv.push_back(flag);
    collector_ = std::make_unique<testing::Subprocess>(argv, options_.work_dir + "/collector.log");
    bool up = WaitFor(absl::Seconds(30), [&] {
      return !testing::ReadFileOrEmpty(port_file).empty() || !collector_->running();
    });
    if (!up || !collector_->running()) {
      return absl::UnavailableError(
          absl::StrCat("the collector did not start; its log:\n", collector_->ReadLog()));
    }
    port_ = std::atoi(testing::ReadFileOrEmpty(port_file).c_str());
    return absl::OkStatus();
  }

  void ConnectAgents() {
    int64_t connections = options_.connections > 0 ? std::min(options_.connections, options_.agents)
                                                   : options_.agents;
    for (int64_t c = 0; c < connections; ++c) {
      grpc::ChannelArguments args;
      args.SetMaxSendMessageSize(16 << 20);
      args.SetMaxReceiveMessageSize(16 << 20);
      // Its own connection, as a separate agent process would have.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      channels_.push_back(grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_),
                                                    grpc::InsecureChannelCredentials(), args));
      stubs_.push_back(v1::AgentService::NewStub(channels_.back()));
    }
    bool record = options_.mode == "latency";
    for (int64_t a = 0; a < options_.agents; ++a) {
      AgentPlan plan{.agent_id = absl::StrCat("load-agent-", a),
                     .tenant_id = absl::StrCat("load-tenant-", a % options_.tenants),
                     .hostname = absl::StrCat("pc-", a),
                     .batch = static_cast<int>(options_.batch),
                     .max_in_flight = static_cast<int>(options_.max_in_flight)};
      agents_.push_back(
          std::make_unique<SimulatedAgent>(std::move(plan), factory_, counters_, record));
      agents_.back()->Start(*stubs_[a % stubs_.size()]);
    }
  }

  int Ingest() {
    int64_t total = options_.agents * options_.alerts_per_agent;
    ProcSample before = SampleProcess(collector_->pid());
    double own_before = OwnCpuSeconds();
    absl::Time start = absl::Now();
    for (auto& agent : agents_) agent->Generate(static_cast<int>(options_.alerts_per_agent));
    bool all = WaitFor(absl::Minutes(10), [&] { return counters_.acked >= total; });
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    ProcSample after = SampleProcess(collector_->pid());
    double collector_cpu = after.cpu_seconds - before.cpu_seconds;
    std::printf(
        "ingest: %lld agents x %lld alerts, batch %lld\n", static_cast<long long>(options_.agents),
        static_cast<long long>(options_.alerts_per_agent), static_cast<long long>(options_.batch));
    std::printf("acked %lld of %lld in %.2f s -> %.0f alerts/s durable\n",
                static_cast<long long>(counters_.acked.load()), static_cast<long long>(total),
                seconds, counters_.acked / seconds);
    std::printf(
        "CPU: collector %.2f s (%.2f s in the kernel; %.0f alerts per CPU-second), generator "
        "%.2f s\n",
        collector_cpu, after.system_cpu_seconds - before.system_cpu_seconds,
        counters_.acked / collector_cpu, OwnCpuSeconds() - own_before);
    std::printf("collector wrote %.0f bytes per alert; RSS %.1f MiB (peak %.1f MiB)\n",
                static_cast<double>(after.written_bytes - before.written_bytes) / counters_.acked,
                after.rss_kib / 1024.0, after.peak_rss_kib / 1024.0);
    return all ? 0 : 1;
  }

  int Latency() {
    // Warm-up: each host's first alert opens its steady incident (one webhook per agent);
    // only alerts made afterwards are measured.
    for (auto& agent : agents_) agent->Generate(1);
    WaitFor(absl::Minutes(2), [&] {
      return counters_.acked >= options_.agents &&
             static_cast<int64_t>(sink_->requests().size()) >= options_.agents;
    });
    for (auto& agent : agents_) agent->TakeAckLatencies();
    factory_.TakeNotificationLatencies();
    int64_t acked_before = counters_.acked;
    int64_t marked_before = factory_.marked();
    ProcSample before = SampleProcess(collector_->pid());

    // Pace: every 2 ms, hand out what the rate owes so far, round-robin over the agents.
    absl::Time start = absl::Now();
    absl::Time end = start + absl::Seconds(options_.seconds);
    int64_t made = 0;
    size_t next = 0;
    while (absl::Now() < end) {
      int64_t owed =
          static_cast<int64_t>(absl::ToDoubleSeconds(absl::Now() - start) * options_.rate) - made;
      for (; owed > 0; --owed, ++made) {
        agents_[next]->Generate(1);
        next = (next + 1) % agents_.size();
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
    int64_t expected_acks = acked_before + made;
    bool all = WaitFor(absl::Seconds(60), [&] {
      return counters_.acked >= expected_acks &&
             factory_.notified() >= factory_.marked() - marked_before;
    });
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    ProcSample after = SampleProcess(collector_->pid());
    std::printf("latency: %lld alerts at %lld alerts/s offered over %lld agents for %lld s\n",
                static_cast<long long>(made), static_cast<long long>(options_.rate),
                static_cast<long long>(options_.agents), static_cast<long long>(options_.seconds));
    std::vector<int32_t> acks;
    for (auto& agent : agents_) {
      std::vector<int32_t> mine = agent->TakeAckLatencies();
      acks.insert(acks.end(), mine.begin(), mine.end());
    }
    PrintLatency("alert -> Ack (durable)", std::move(acks));
    PrintLatency("alert -> webhook received", factory_.TakeNotificationLatencies());
    std::printf("incidents opened by the run: %lld; collector CPU %.2f s over %.1f s\n",
                static_cast<long long>(factory_.marked() - marked_before),
                after.cpu_seconds - before.cpu_seconds, seconds);
    return all ? 0 : 1;
  }

  int Idle(const ProcSample& before) {
    absl::SleepFor(absl::Seconds(options_.settle_seconds));
    ProcSample after = SampleProcess(collector_->pid());
    double added_kib = static_cast<double>(after.rss_kib - before.rss_kib);
    std::printf("idle: %lld agents connected for %lld s\n", static_cast<long long>(options_.agents),
                static_cast<long long>(options_.settle_seconds));
    std::printf("collector RSS %.1f MiB (peak %.1f MiB); %.1f KiB per connected agent\n",
                after.rss_kib / 1024.0, after.peak_rss_kib / 1024.0,
                added_kib / static_cast<double>(options_.agents));
    std::printf("load generator RSS %.1f MiB\n", SampleProcess(getpid()).rss_kib / 1024.0);
    return 0;
  }

  int Shutdown(int rc) {
    absl::Time start = absl::Now();
    for (auto& agent : agents_) agent->FinishWhenAcked();
    if (!WaitFor(absl::Seconds(30), [&] { return counters_.ended >= options_.agents; })) {
      for (auto& agent : agents_) agent->Cancel();
      WaitFor(absl::Seconds(10), [&] { return counters_.ended >= options_.agents; });
    }
    if (counters_.failed > 0) {
      std::printf("%lld stream(s) ended with an error\n",
                  static_cast<long long>(counters_.failed.load()));
    }
    absl::Time streams_ended = absl::Now();
    int collector_rc = collector_->Stop(absl::Seconds(60));
    std::printf("shutdown: streams ended in %.1f s, the collector stopped in %.1f s\n",
                absl::ToDoubleSeconds(streams_ended - start),
                absl::ToDoubleSeconds(absl::Now() - streams_ended));
    if (collector_rc != 0) {
      std::printf("the collector exited with %d; its log is in %s\n", collector_rc,
                  collector_->log_path().c_str());
      return rc == 0 ? 1 : rc;
    }
    return rc;
  }

  static double OwnCpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }

  const LoadOptions options_;
  AlertFactory factory_;
  FleetCounters counters_;
  std::unique_ptr<tools::WebhookSink> sink_;
  std::unique_ptr<testing::Subprocess> collector_;
  int port_ = 0;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::AgentService::Stub>> stubs_;
  std::vector<std::unique_ptr<SimulatedAgent>> agents_;
};

}  // namespace
}  // namespace otasuke::collector::bench

int main(int argc, char** argv) {
  using otasuke::collector::bench::LoadOptions;
  LoadOptions o;
  o.collector_bin = (std::filesystem::path(argv[0]).parent_path() / "otasuke-collector").string();
  bool help = false;
  const otasuke::cli::FlagSpec flags[] = {
      {"mode", "MODE", "ingest | latency | idle", &o.mode},
      {"agents", "N", "simulated agents (one gRPC stream each)", &o.agents},
      {"connections", "N", "TCP connections the streams share (0: one per agent)", &o.connections},
      {"tenants", "N", "tenants the agents are spread over", &o.tenants},
      {"batch", "N", "alerts per AlertBatch at most", &o.batch},
      {"max-in-flight", "N", "unacknowledged alerts per agent at most", &o.max_in_flight},
      {"alerts-per-agent", "N", "ingest: alerts each agent sends", &o.alerts_per_agent},
      {"rate", "N", "latency: alerts/s offered by all agents together", &o.rate},
      {"seconds", "N", "latency: how long to offer the rate", &o.seconds},
      {"settle-seconds", "N", "idle: how long agents stay connected before RSS is read",
       &o.settle_seconds},
      {"new-incident-every", "N", "every Nth alert opens an incident (a webhook); 0: none",
       &o.new_incident_every},
      {"uuid-version", "N", "alert UUIDs: 7 (time-ordered, as agents send) or 4 (random)",
       &o.uuid_version},
      {"collector-bin", "PATH", "the otasuke-collector binary", &o.collector_bin},
      {"collector-flag", "FLAG", "extra flag for the collector (repeatable)", &o.collector_flags},
      {"work-dir", "DIR", "database and logs (default: a fresh temporary directory, removed)",
       &o.work_dir},
      {"help", "", "show this help", &help},
  };
  auto parsed = otasuke::cli::ParseFlags(flags, argc, argv, 1);
  if (!parsed.ok() || help || (o.mode != "ingest" && o.mode != "latency" && o.mode != "idle") ||
      (o.uuid_version != 4 && o.uuid_version != 7) || o.agents < 1 || o.batch < 1 ||
      o.tenants < 1 || o.max_in_flight < 1 || o.rate < 1) {
    if (!parsed.ok()) std::cerr << parsed.status().message() << "\n";
    std::cerr << "usage: collector_load [flags]\n" << otasuke::cli::FlagsHelp(flags);
    return help ? 0 : 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show as they happen
  otasuke::collector::bench::RaiseFileLimit();
  bool temporary = o.work_dir.empty();
  if (temporary) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "otasuke-load-XXXXXX").string();
    o.work_dir = ::mkdtemp(tmpl.data());
  }
  int rc = otasuke::collector::bench::LoadRun(o).Run();
  if (temporary && rc == 0) std::filesystem::remove_all(o.work_dir);
  return rc;
}
