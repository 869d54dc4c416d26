#pragma once
// Seam: where detectors put alerts. The pipeline's sink stamps identity (uuid, sequence,
// agent, tenant, host, detection time) and enqueues for the transport; tests collect.

#include "otasuke/v1/alert.pb.h"

namespace otasuke::agent {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Takes the alert; never blocks. A sink that cannot keep it counts the drop.
  virtual void Emit(otasuke::v1::Alert&& alert) = 0;
};

}  // namespace otasuke::agent
