#pragma once
// Seam: a detector inspects host events and raises alerts. Detectors read compiled rules
// from an immutable snapshot (see rule_snapshot.h) and keep their per-thread state apart
// from it, so a rule reload never races an inspection.

#include <string_view>

#include "agent/event/event.h"
#include "agent/pipeline/alert_sink.h"

namespace otasuke::agent {

class Detector {
 public:
  virtual ~Detector() = default;
  virtual std::string_view name() const = 0;
  // Called on the source's thread for every event.
  virtual void Inspect(const Event& event, AlertSink& sink) = 0;
};

}  // namespace otasuke::agent
