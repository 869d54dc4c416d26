#pragma once
// Events from a file (the formats of agent/event/readers), replayed once through the live
// pipeline: the same detectors, sink, spool and transport as live events. Used by tests that
// need many real alerts quickly (tests/integration/delivery_test.cc) and by responders who
// want an SME's exported event log judged and delivered like live events. When the file is
// done the source idles until stop; a file that cannot be read fails Open().

#include <atomic>
#include <string>

#include "agent/pipeline/event_source.h"

namespace otasuke::agent {

class EventFileSource final : public EventSource {
 public:
  explicit EventFileSource(std::string path) : path_(std::move(path)) {}

  std::string_view name() const override { return "events_file"; }
  absl::Status Open() override;
  absl::Status Run(EventHandler& handler, std::stop_token stop) override;
  SourceStats stats() const override;

 private:
  const std::string path_;
  std::string content_;
  std::atomic<uint64_t> events_{0};
};

}  // namespace otasuke::agent
