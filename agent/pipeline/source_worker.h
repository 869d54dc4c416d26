#pragma once
// One event source on its own thread, feeding its own detectors: event sources -> detectors
// -> alert sink. Nothing is shared between workers but the (thread-safe) sink and counters.

#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "agent/pipeline/detector_chain.h"

namespace otasuke::agent {

class SourceWorker final {
 public:
  SourceWorker(std::unique_ptr<EventSource> source,
               std::vector<std::unique_ptr<Detector>> detectors, AlertSink& sink,
               AgentCounters& counters)
      : source_(std::move(source)), chain_(std::move(detectors), sink, counters) {}
  ~SourceWorker() { Stop(); }

  EventSource& source() { return *source_; }
  // Starts the thread. The source must be Open().
  void Start();
  // Requests stop and joins.
  void Stop();
  // The source's final status once stopped (OK if stopped on request).
  absl::Status result() const { return result_; }

 private:
  std::unique_ptr<EventSource> source_;
  DetectorChain chain_;
  std::jthread thread_;
  absl::Status result_;
};

}  // namespace otasuke::agent
