#include "agent/app/agent_app.h"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "agent/app/detector_factory.h"
#include "agent/identity/agent_identity.h"
#include "agent/network/scan/network_sensor.h"
#include "agent/pipeline/sqlite_alert_spool.h"
#include "agent/sources/event_file/event_file_source.h"
#include "agent/sources/proc_connector/proc_connector_source.h"
#include "agent/sources/sock_diag/sock_diag_source.h"
#include "common/log.h"
#include "common/privileges.h"
#include "common/resident_pages.h"
#include "common/status_macros.h"
#include "common/thread_name.h"

namespace otasuke::agent {
namespace {

std::string SystemHostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

std::string OsDescription() {
  utsname u;
  if (::uname(&u) != 0) return "linux";
  return absl::StrCat(u.sysname, " ", u.release, " ", u.machine);
}

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

double CpuSeconds() {
  rusage ru;
  if (::getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

AgentApp::AgentApp(AgentConfig config) : config_(std::move(config)) {
  if (config_.hostname.empty()) config_.hostname = SystemHostname();
}

AgentApp::~AgentApp() { Stop(absl::ZeroDuration()); }

absl::Status AgentApp::Start() {
  struct Step {
    const char* name;
    absl::Status (AgentApp::*run)();
  };
  static constexpr Step kSteps[] = {
      {"open state", &AgentApp::OpenState},
      {"set up rules", &AgentApp::SetUpRules},
      {"open sources", &AgentApp::OpenSources},
      {"drop privileges", &AgentApp::DropPrivileges},  // before any thread starts
      {"start workers", &AgentApp::StartWorkers},
      {"start transport", &AgentApp::StartTransport},
  };
  for (const Step& step : kSteps) {
    absl::Status status = (this->*step.run)();
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat(step.name, ": ", status.message()));
    }
    LOG_DEBUG("start-up step done: %s", step.name);
    // Released after each step, not only at the end, so that the peak RSS is the largest
    // step's, not the sum of all (the rule compilers' and gRPC's set-up pages).
    ReleaseStartupPages(step.name);
  }
  return absl::OkStatus();
}

void AgentApp::ReleaseStartupPages(const char* after) {
  absl::StatusOr<ReleasedPages> released = otasuke::ReleaseStartupPages();
  if (!released.ok()) {
    LOG_WARN("start-up pages not released after %s: %s", after, released.status().ToString());
    return;
  }
  LOG_DEBUG("released %d KB of read-only pages last used during %s (%d mappings)",
            released->resident_kb, after, released->mappings);
}

absl::Status AgentApp::OpenState() {
  ASSIGN_OR_RETURN(state_, AgentState::Open(config_.state_dir, config_.agent_id));
  ASSIGN_OR_RETURN(spool_, SqliteAlertSpool::Open(config_.state_dir + "/alert-spool.db"));
  AlertQueueLimits limits{.max_alerts = static_cast<size_t>(config_.queue_max_alerts),
                          .max_bytes = static_cast<size_t>(config_.queue_max_bytes),
                          .spool_max_bytes = static_cast<uint64_t>(config_.SpoolBudgetBytes())};
  queue_ = std::make_unique<AlertQueue>(limits, *spool_, *state_, counters_);
  sink_ = std::make_unique<StampingSink>(AgentIdentity{.tenant_id = config_.tenant,
                                                       .agent_id = state_->agent_id(),
                                                       .hostname = config_.hostname},
                                         static_cast<size_t>(config_.max_message_bytes) / 4,
                                         *queue_, counters_, RealClock::Get());
  drop_reporter_ = std::make_unique<DropReporter>(counters_, *sink_, RealClock::Get(),
                                                  config_.spool_drop_alert_interval);
  LOG_INFO("alert spool: %d alerts kept, budget %d bytes", queue_->depth(), limits.spool_max_bytes);
  LOG_INFO("agent %s (tenant %s, host %s)", state_->agent_id(), config_.tenant, config_.hostname);
  return absl::OkStatus();
}

absl::Status AgentApp::SetUpRules() {
  rules_ = std::make_unique<RuleSetManager>(config_.state_dir + "/active-ruleset.pb");
  detectors_ = std::make_unique<DetectorFactory>(DetectorFactory::Options{
      .strict = config_.rules_strict,
      .network_vars_path = config_.network_vars,
      .network_classification_path = config_.network_classification,
      .sigma_scan_cache_entries = static_cast<uint32_t>(config_.sigma_scan_cache_entries),
      .sigma_candidate_memo_entries = static_cast<uint32_t>(config_.sigma_candidate_memo_entries),
      .sigma_event_memo_entries = static_cast<uint32_t>(config_.sigma_event_memo_entries)});
  detectors_->RegisterRuleEngines(*rules_);
  explaining_sink_ = detectors_->MakeExplainingSink(*sink_);
  return rules_->LoadInitial(config_.rules);
}

absl::Status AgentApp::OpenSources() {
  if (config_.process_source) {
    auto source = std::make_unique<ProcConnectorSource>();
    RETURN_IF_ERROR(source->Open());
    workers_.push_back(std::make_unique<SourceWorker>(
        std::move(source), detectors_->MakeHostDetectors(), *explaining_sink_, counters_));
  }
  if (!config_.events_file.empty()) {
    auto source = std::make_unique<EventFileSource>(config_.events_file);
    RETURN_IF_ERROR(source->Open());
    workers_.push_back(std::make_unique<SourceWorker>(
        std::move(source), detectors_->MakeHostDetectors(), *explaining_sink_, counters_));
  }
  if (config_.connection_source) {
    auto source = std::make_unique<SockDiagSource>(
        SockDiagSource::Options{.interval = config_.connection_interval,
                                .idle_interval = config_.connection_idle_interval});
    RETURN_IF_ERROR(source->Open());
    workers_.push_back(std::make_unique<SourceWorker>(
        std::move(source), detectors_->MakeHostDetectors(), *explaining_sink_, counters_));
  }
  if (config_.network_source) {
    network::NetworkSensorOptions options;
    options.capture.interface = config_.network_interface;
    options.capture.bpf_filter = config_.network_bpf;
    options.capture.snaplen = static_cast<int>(config_.network_snaplen);
    ASSIGN_OR_RETURN(options.scanner.flows.tls_encryption,
                     network::ParseTlsEncryptionHandling(config_.network_tls_encryption_handling));
    network_host_events_ = std::make_unique<DetectorChain>(detectors_->MakeHostDetectors(),
                                                           *explaining_sink_, counters_);
    options.host_events = network_host_events_.get();
    network_ = detectors_->MakeNetworkSensor(options, *explaining_sink_);
    RETURN_IF_ERROR(network_->Open());
  }
  if (workers_.empty() && network_ == nullptr) {
    LOG_WARN("no event source enabled: this agent will see nothing");
  }
  return absl::OkStatus();
}

absl::Status AgentApp::DropPrivileges() {
  if (config_.run_as_user == "root") {
    LOG_WARN("run_as_user is root: the agent keeps every privilege (not recommended)");
    return absl::OkStatus();
  }
  // What the open sources still need: the process source reads /proc/<pid>/exe and cwd of
  // other users' processes (ptrace access check). The netlink and capture handles are open
  // already and need nothing more.
  CapabilityMask keep = 0;
  if (!workers_.empty()) keep |= CapabilityBit(CAP_SYS_PTRACE);
  RETURN_IF_ERROR(otasuke::DropPrivileges(
      {.user = config_.run_as_user, .keep = keep, .chown = {config_.state_dir}}));
  LOG_INFO("running as user %s, keeping capabilities %s", config_.run_as_user,
           CapabilityNames(keep));
  return absl::OkStatus();
}

absl::Status AgentApp::StartWorkers() {
  for (auto& worker : workers_) {
    worker->Start();
    LOG_INFO("source %s started", worker->source().name());
  }
  if (network_ != nullptr) {
    network_thread_ = std::jthread([this](std::stop_token stop) {
      NameThisThread("src-network");
      absl::Status status = network_->Run(stop);
      if (!status.ok()) LOG_ERROR("network capture stopped: %s", status.ToString());
    });
    LOG_INFO("source network started on %s", config_.network_interface);
  }
  reload_thread_ = std::jthread([this](std::stop_token stop) {
    NameThisThread("rule-reload");
    ReloadLoop(stop);
  });
  return absl::OkStatus();
}

absl::Status AgentApp::StartTransport() {
  TransportOptions options{
      .collector_address = config_.collector,
      .max_message_bytes = static_cast<size_t>(config_.max_message_bytes),
      .heartbeat_interval = config_.heartbeat_interval,
      .initial_backoff = config_.reconnect_initial_backoff,
      .max_backoff = config_.reconnect_max_backoff,
      .ack_timeout = config_.reconnect_ack_timeout,
      .keepalive_interval = config_.reconnect_keepalive_interval,
      .keepalive_timeout = config_.reconnect_keepalive_timeout,
  };
  if (config_.transport_security == "insecure") {
    LOG_WARN("connecting to %s WITHOUT transport security (demo mode)", config_.collector);
  } else {
    ASSIGN_OR_RETURN(MtlsCredentials mtls, LoadMtlsCredentials(config_.state_dir));
    if (mtls.agent_id != state_->agent_id() || mtls.tenant_id != config_.tenant) {
      return absl::FailedPreconditionError(
          absl::StrCat("this agent runs as ", state_->agent_id(), " of tenant ", config_.tenant,
                       ", but its certificate was issued to ", mtls.agent_id, " of tenant ",
                       mtls.tenant_id, ": set tenant (and agent_id) to match, or enroll again"));
    }
    options.credentials = std::move(mtls.credentials);
    options.tls_target_name = std::move(mtls.tls_target_name);
  }
  transport_ = std::make_unique<Transport>(std::move(options), *queue_,
                                           static_cast<TransportDelegate&>(*this));
  transport_thread_ = std::jthread([this](std::stop_token stop) {
    NameThisThread("transport");
    transport_->Run(stop);
  });
  return absl::OkStatus();
}

void AgentApp::Stop(absl::Duration drain) {
  if (stopped_) return;
  stopped_ = true;
  for (auto& worker : workers_) worker->Stop();
  if (network_thread_.joinable()) {
    network_thread_.request_stop();
    network_thread_.join();
  }
  // Alerts are on disk once committed and are sent after the next start; while connected,
  // give the collector a moment to acknowledge what is queued before the transport goes.
  if (queue_ != nullptr && transport_ != nullptr) {
    const absl::Time deadline = absl::Now() + drain;
    queue_->Flush(deadline);
    while (queue_->depth() > 0 && transport_->connected() && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    if (queue_->depth() > 0) {
      LOG_INFO("stopping with %d unacknowledged alerts kept in the spool", queue_->depth());
    }
  }
  if (reload_thread_.joinable()) {
    reload_thread_.request_stop();
    {
      absl::MutexLock lock(&reload_mu_);  // wake the reload loop
    }
    reload_thread_.join();
  }
  if (transport_thread_.joinable()) {
    transport_thread_.request_stop();
    transport_thread_.join();
  }
}

otasuke::v1::Hello AgentApp::MakeHello() {
  otasuke::v1::Hello hello;
  hello.set_agent_id(state_->agent_id());
  hello.set_tenant_id(config_.tenant);
  hello.set_hostname(config_.hostname);
  hello.set_os(OsDescription());
  hello.set_agent_version(OTASUKE_VERSION);
  hello.set_profile(config_.profile == "gateway" ? otasuke::v1::PROFILE_GATEWAY
                                                 : otasuke::v1::PROFILE_ENDPOINT);
  hello.set_ruleset_version(rules_->version());
  return hello;
}

void AgentApp::FillHeartbeat(otasuke::v1::Heartbeat* heartbeat) {
  heartbeat->set_uptime_seconds(
      static_cast<uint64_t>(absl::ToInt64Seconds(absl::Now() - started_)));
  counters_.FillHeartbeat(heartbeat);
  uint64_t overruns = 0;
  for (auto& worker : workers_) overruns += worker->source().stats().overruns;
  if (network_ != nullptr) {
    const network::NetworkSensorStats net = network_->stats();
    heartbeat->set_events_seen(heartbeat->events_seen() + net.packets);
    overruns += net.kernel_dropped;
  }
  if (overruns > 0) {
    auto* d = heartbeat->add_alerts_dropped();
    d->set_reason(otasuke::v1::DROP_REASON_SOURCE_OVERRUN);
    d->set_count(overruns);
  }
  heartbeat->set_queue_depth(queue_->depth());
  heartbeat->set_rss_bytes(ResidentBytes());
  heartbeat->set_cpu_seconds(CpuSeconds());
  heartbeat->set_ruleset_version(rules_->version());
}

void AgentApp::OnRuleSet(otasuke::v1::RuleSet&& ruleset) {
  LOG_INFO("rule set %s received (%d files)", ruleset.version(), ruleset.files_size());
  absl::MutexLock lock(&reload_mu_);
  pending_ = std::move(ruleset);
}

void AgentApp::OnCommand(const otasuke::v1::Command& command) {
  // Response actions are reserved in protocol v1; record that one was asked for.
  LOG_WARN("command %s (%s) received: response actions are not executed by this version",
           command.id(), otasuke::v1::CommandType_Name(command.type()));
}

void AgentApp::ReloadLoop(std::stop_token stop) {
  // A pushed rule set or a stop request wakes this thread at once; otherwise it wakes only for
  // housekeeping, batched at this interval: drop meta-alerts, raised even while the collector
  // is unreachable (that is when drops happen) at most this late — the dropped alerts' count
  // is kept meanwhile, and the reporter sends at most one per spool.drop_alert_interval (1m)
  // anyway — and the one-off page release below. Twice a second was most of this thread's
  // idle CPU.
  constexpr absl::Duration kHousekeepingEvery = absl::Seconds(5);
  while (!stop.stop_requested()) {
    drop_reporter_->Poll();
    // Connecting (TLS, HTTP/2, the resolver) is start-up too: its code is released once the
    // first stream is up and has been for a while.
    if (!connected_pages_released_ && transport_ != nullptr && transport_->connected() &&
        absl::Now() - started_ > absl::Seconds(20)) {
      connected_pages_released_ = true;
      ReleaseStartupPages("connecting to the collector");
    }
    otasuke::v1::RuleSet next;
    {
      absl::MutexLock lock(&reload_mu_);
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_) {
        return pending_.has_value() || stop.stop_requested();
      };
      reload_mu_.AwaitWithTimeout(absl::Condition(&ready), kHousekeepingEvery);
      if (!pending_.has_value()) continue;
      next = std::move(*pending_);
      pending_.reset();
    }
    absl::Status applied = rules_->Apply(next);
    if (!applied.ok()) {
      LOG_ERROR("rule set %s rejected, keeping %s: %s", next.version(), rules_->version(),
                applied.ToString());
    }
    ReleaseStartupPages("the rule reload");  // the rule compilers' text is not needed again
    otasuke::v1::AgentMessage status;
    auto* s = status.mutable_ruleset_status();
    s->set_version(next.version());
    s->set_accepted(applied.ok());
    if (!applied.ok()) s->set_error(std::string(applied.message()));
    transport_->Send(std::move(status));
  }
}

}  // namespace otasuke::agent
