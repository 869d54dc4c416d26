#pragma once
// The work-order state machine: requested → accepted → departed → arrived → contained → closed,
// plus an early close (visit no longer needed) from requested, accepted or departed. One table
// answers "may X go to Y", names the states for storage and the command line, and words the
// refusal of an illegal transition.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "otasuke/v1/workorder_service.pb.h"

namespace otasuke::collector {

// "requested", "accepted", ...; "" for UNSPECIFIED.
std::string_view WorkOrderStateName(v1::WorkOrderState state);
absl::StatusOr<v1::WorkOrderState> ParseWorkOrderState(std::string_view name);
// "responder", "policy", "sme_request".
std::string_view WorkOrderOriginName(v1::WorkOrderOrigin origin);
absl::StatusOr<v1::WorkOrderOrigin> ParseWorkOrderOrigin(std::string_view name);

// OK, or FailedPrecondition naming the order, its state and the states it may go to.
absl::Status CheckWorkOrderTransition(int64_t id, v1::WorkOrderState from, v1::WorkOrderState to);
// True for a close before containment (needs a note saying why).
bool IsEarlyClose(v1::WorkOrderState from, v1::WorkOrderState to);

}  // namespace otasuke::collector
