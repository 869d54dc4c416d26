#pragma once
// Seam: a producer of host events (process exec, connections, DNS, event-log files). Each
// source runs on its own thread and hands every event to its handler synchronously; the
// handler (detectors) runs on that thread, so events need no queue and no lock.

#include <cstdint>
#include <stop_token>
#include <string_view>

#include "absl/status/status.h"
#include "agent/event/event.h"

namespace otasuke::agent {

class EventHandler {
 public:
  virtual ~EventHandler() = default;
  // The event is valid only during the call.
  virtual void OnEvent(const Event& event) = 0;
};

struct SourceStats {
  uint64_t events = 0;    // events delivered to the handler
  uint64_t overruns = 0;  // events the kernel or reader lost (buffer overrun)
  uint64_t partial = 0;   // events delivered with missing enrichment
};

class EventSource {
 public:
  virtual ~EventSource() = default;
  virtual std::string_view name() const = 0;
  // Acquires privileged handles (netlink sockets, capture handles). Called before the agent
  // drops privileges.
  virtual absl::Status Open() = 0;
  // Delivers events until `stop` is requested or a fatal error. A source that waits (on the
  // kernel, on a timer) wakes when stop is requested instead of polling for it
  // (common/stop_event_fd.h, common/stoppable_sleep.h), so an idle agent sleeps and still stops
  // at once.
  virtual absl::Status Run(EventHandler& handler, std::stop_token stop) = 0;
  // Safe to call from any thread while Run() is active.
  virtual SourceStats stats() const = 0;
};

}  // namespace otasuke::agent
