#pragma once
// The pipeline's AlertSink: stamps the identity every alert carries (uuid, tenant, agent,
// host, detection time), enforces the size bounds of protocol v1, and hands the alert to the
// AlertQueue. Safe to call from every source thread.

#include <cstddef>
#include <string>

#include "agent/pipeline/agent_counters.h"
#include "agent/pipeline/alert_queue.h"
#include "agent/pipeline/alert_sink.h"
#include "common/clock.h"

namespace otasuke::agent {

// Bounds that keep one alert far below the gRPC message limit.
inline constexpr size_t kMaxRawEvidenceBytes = 4096;
inline constexpr size_t kMaxTextFieldBytes = 8192;

struct AgentIdentity {
  std::string tenant_id;
  std::string agent_id;
  std::string hostname;
};

class StampingSink final : public AlertSink {
 public:
  StampingSink(AgentIdentity identity, size_t max_alert_bytes, AlertQueue& queue,
               AgentCounters& counters, const Clock& clock)
      : identity_(std::move(identity)),
        max_alert_bytes_(max_alert_bytes),
        queue_(queue),
        counters_(counters),
        clock_(clock) {}

  void Emit(otasuke::v1::Alert&& alert) override;

 private:
  const AgentIdentity identity_;
  const size_t max_alert_bytes_;
  AlertQueue& queue_;
  AgentCounters& counters_;
  const Clock& clock_;
};

// Truncates over-long text and raw evidence in place, on UTF-8 boundaries.
void BoundAlertFields(otasuke::v1::Alert* alert);

}  // namespace otasuke::agent
