#pragma once
// The otasuke-agent daemon: wiring of state, rule engines, sources, detectors, the alert
// queue and the transport, started and stopped as an ordered list of named steps (Falco's
// app actions): each step is small, logs what it did, and teardown always runs.

#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/config/agent_config.h"
#include "agent/pipeline/agent_counters.h"
#include "agent/pipeline/alert_queue.h"
#include "agent/pipeline/alert_spool.h"
#include "agent/pipeline/drop_reporter.h"
#include "agent/pipeline/source_worker.h"
#include "agent/pipeline/stamping_sink.h"
#include "agent/rules/rule_set_manager.h"
#include "agent/state/agent_state.h"
#include "agent/transport/transport.h"

namespace otasuke::agent {

class DetectorFactory;
}  // namespace otasuke::agent
namespace otasuke::network {
class NetworkSensor;
}  // namespace otasuke::network
namespace otasuke::agent {

class AgentApp final : private TransportDelegate {
 public:
  explicit AgentApp(AgentConfig config);
  ~AgentApp() override;

  // Runs the start-up steps in order; on failure, the error names the step.
  absl::Status Start();
  // Drains acknowledged alerts for up to `drain`, then stops everything (idempotent).
  void Stop(absl::Duration drain);

  const std::string& agent_id() const { return state_->agent_id(); }
  const AgentCounters& counters() const { return counters_; }

 private:
  absl::Status OpenState();
  absl::Status SetUpRules();
  absl::Status OpenSources();
  absl::Status DropPrivileges();
  absl::Status StartWorkers();
  absl::Status StartTransport();

  // TransportDelegate
  otasuke::v1::Hello MakeHello() override;
  void FillHeartbeat(otasuke::v1::Heartbeat* heartbeat) override;
  void OnRuleSet(otasuke::v1::RuleSet&& ruleset) override;
  void OnCommand(const otasuke::v1::Command& command) override;

  // Compiles pushed rule sets off the transport thread, newest wins.
  void ReloadLoop(std::stop_token stop);
  // Drops read-only pages touched only while starting or compiling rules (resident_pages.h).
  void ReleaseStartupPages(const char* after);

  AgentConfig config_;
  const absl::Time started_ = absl::Now();
  bool connected_pages_released_ = false;  // reload thread only
  AgentCounters counters_;
  std::unique_ptr<AgentState> state_;
  std::unique_ptr<AlertSpool> spool_;
  std::unique_ptr<AlertQueue> queue_;
  std::unique_ptr<StampingSink> sink_;
  std::unique_ptr<AlertSink> explaining_sink_;   // detectors emit here; forwards to sink_
  std::unique_ptr<DropReporter> drop_reporter_;  // polled by the reload thread
  std::unique_ptr<RuleSetManager> rules_;
  std::unique_ptr<DetectorFactory> detectors_;
  std::vector<std::unique_ptr<SourceWorker>> workers_;
  // Host rules over what the capture derives (DNS queries), on the capture thread.
  std::unique_ptr<DetectorChain> network_host_events_;
  std::unique_ptr<network::NetworkSensor> network_;
  std::jthread network_thread_;
  std::unique_ptr<Transport> transport_;
  std::jthread transport_thread_;
  std::jthread reload_thread_;

  absl::Mutex reload_mu_;
  std::optional<otasuke::v1::RuleSet> pending_ ABSL_GUARDED_BY(reload_mu_);
  bool stopped_ = false;
};

}  // namespace otasuke::agent
