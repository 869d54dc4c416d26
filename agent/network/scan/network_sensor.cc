#include "agent/network/scan/network_sensor.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/network/scan/alert_convert.h"
#include "agent/network/scan/dns_query_event.h"
#include "common/status_macros.h"

namespace otasuke::network {

NetworkSensor::NetworkSensor(NetworkSensorOptions options,
                             const Snapshot<detect::CompiledRules>& rules, agent::AlertSink& sink)
    : options_(std::move(options)), rules_(rules), sink_(sink) {}

NetworkSensor::~NetworkSensor() = default;

absl::Status NetworkSensor::Open() {
  ASSIGN_OR_RETURN(source_, PcapSource::OpenLive(options_.capture));
  if (!Decoder::SupportsLinkType(source_->link_type())) {
    const int link = source_->link_type();
    source_.reset();
    return absl::FailedPreconditionError(
        absl::StrCat(options_.capture.interface, ": unsupported link type ", link));
  }
  return absl::OkStatus();
}

void NetworkSensor::OnAlertEvent(const AlertEvent& event) {
  alerts_.fetch_add(1, std::memory_order_relaxed);
  sink_.Emit(ToOtasukeAlert(event));
}

void NetworkSensor::OnDnsMessage(const Flow& flow, int direction, const DnsMessage& message) {
  if (DnsQueryToEvent(flow, message, flow.last_usec, &host_event_, &scratch_)) {
    options_.host_events->OnEvent(host_event_);
  }
}

absl::Status NetworkSensor::Run(std::stop_token stop) {
  if (source_ == nullptr) return absl::FailedPreconditionError("network sensor not opened");
  SnapshotReader<detect::CompiledRules> reader(rules_);
  if (reader.shared() == nullptr) return absl::FailedPreconditionError("no rule set published");
  NetworkScanner scanner(options_.scanner, reader.shared(), this);
  if (options_.host_events != nullptr) scanner.SetAppRecordObserver(this);
  const detect::CompiledRules* current = reader.Get();
  RawFrame frame;
  uint64_t since_stats = 0;
  absl::Status status = absl::OkStatus();
  while (!stop.stop_requested()) {
    auto result = source_->Next(&frame);
    if (!result.ok()) {
      status = result.status();
      break;
    }
    if (reader.Get() != current) {
      current = reader.Get();
      scanner.SetRules(reader.shared());
    }
    if (*result == PcapSource::ReadResult::kEnd) break;
    if (*result == PcapSource::ReadResult::kTimeout) {
      scanner.Tick(absl::ToUnixMicros(absl::Now()));
      PublishStats();
      continue;
    }
    scanner.OnFrame(source_->link_type(), frame, 0);
    packets_.store(scanner.stats().packets, std::memory_order_relaxed);
    bytes_.store(scanner.stats().bytes, std::memory_order_relaxed);
    decode_errors_.store(scanner.stats().decode_errors, std::memory_order_relaxed);
    if (++since_stats >= 4096) {
      since_stats = 0;
      PublishStats();
    }
  }
  scanner.Finish();
  PublishStats();
  return status;
}

void NetworkSensor::PublishStats() {
  if (source_ != nullptr) {
    kernel_dropped_.store(source_->stats().dropped, std::memory_order_relaxed);
  }
}

NetworkSensorStats NetworkSensor::stats() const {
  NetworkSensorStats out;
  out.packets = packets_.load(std::memory_order_relaxed);
  out.bytes = bytes_.load(std::memory_order_relaxed);
  out.alerts = alerts_.load(std::memory_order_relaxed);
  out.decode_errors = decode_errors_.load(std::memory_order_relaxed);
  out.kernel_dropped = kernel_dropped_.load(std::memory_order_relaxed);
  return out;
}

}  // namespace otasuke::network
