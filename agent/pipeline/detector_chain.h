#pragma once
// The handler a source thread calls: counts the event and runs every detector on it. One
// chain per thread (detectors keep per-thread state), sharing only the thread-safe sink and
// counters. Used by SourceWorker, and by the network sensor for the host events it derives
// from traffic (DNS queries).

#include <memory>
#include <vector>

#include "agent/pipeline/agent_counters.h"
#include "agent/pipeline/alert_sink.h"
#include "agent/pipeline/detector.h"
#include "agent/pipeline/event_source.h"

namespace otasuke::agent {

class DetectorChain final : public EventHandler {
 public:
  DetectorChain(std::vector<std::unique_ptr<Detector>> detectors, AlertSink& sink,
                AgentCounters& counters)
      : detectors_(std::move(detectors)), sink_(sink), counters_(counters) {}

  void OnEvent(const Event& event) override {
    counters_.CountEvent();
    for (const auto& detector : detectors_) detector->Inspect(event, sink_);
  }

 private:
  std::vector<std::unique_ptr<Detector>> detectors_;
  AlertSink& sink_;
  AgentCounters& counters_;
};

}  // namespace otasuke::agent
