#include "agent/network/detect/flow_state.h"

#include <memory>

namespace otasuke::network::detect {

void FlowDetectStateDeleter::operator()(FlowDetectState* state) const { delete state; }

FlowDetectStatePtr NewFlowDetectState() { return FlowDetectStatePtr(new FlowDetectState()); }

void ResetFlowDetectState(FlowDetectState& state) {
  // Destroyed and built again in place: a new flow's state whatever fields it has, at half
  // the cost of assigning a temporary (which builds, moves member by member and destroys).
  std::destroy_at(&state);
  std::construct_at(&state);
}

}  // namespace otasuke::network::detect
