#pragma once
// Live network detection for the agent: a libpcap capture on one interface feeding a
// NetworkScanner whose alerts become Otasuke alerts in an agent::AlertSink. Lifecycle like
// agent::EventSource: Open() acquires the capture handle (needs privileges; the agent drops
// them afterwards), Run() captures on the calling thread until stop is requested. Rule sets
// are read from a Snapshot, so a reload takes effect at the next packet without a lock.

#include <atomic>
#include <cstdint>
#include <memory>
#include <stop_token>

#include "absl/status/status.h"
#include "agent/network/detect/engine.h"
#include "agent/network/scan/network_scanner.h"
#include "agent/pipeline/alert_sink.h"
#include "agent/pipeline/event_source.h"
#include "common/snapshot.h"

namespace otasuke::network {

struct NetworkSensorOptions {
  LiveCaptureOptions capture;
  ScannerConfig scanner;
  // When set, DNS queries seen on the wire are also handed to it as host events (Sigma
  // dns_query), on the capture thread.
  agent::EventHandler* host_events = nullptr;
};

struct NetworkSensorStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t alerts = 0;
  uint64_t decode_errors = 0;
  uint64_t kernel_dropped = 0;
};

class NetworkSensor : private AlertEventHandler, private AppRecordObserver {
 public:
  NetworkSensor(NetworkSensorOptions options, const Snapshot<detect::CompiledRules>& rules,
                agent::AlertSink& sink);
  ~NetworkSensor() override;

  absl::Status Open();
  // Captures until `stop` is requested (seen within the capture timeout) or a read error.
  absl::Status Run(std::stop_token stop);
  // Safe from any thread.
  NetworkSensorStats stats() const;

 private:
  void OnAlertEvent(const AlertEvent& event) override;
  void OnDnsMessage(const Flow& flow, int direction, const DnsMessage& message) override;
  void PublishStats();

  NetworkSensorOptions options_;
  const Snapshot<detect::CompiledRules>& rules_;
  agent::AlertSink& sink_;
  std::unique_ptr<PcapSource> source_;
  std::atomic<uint64_t> packets_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> alerts_{0};
  std::atomic<uint64_t> decode_errors_{0};
  std::atomic<uint64_t> kernel_dropped_{0};
  agent::Event host_event_;  // reused for every DNS query event
  std::string scratch_;
};

}  // namespace otasuke::network
