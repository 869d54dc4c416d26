#include "agent/network/detect/flow_state.h"

namespace otasuke::network::detect {

void FlowDetectStateDeleter::operator()(FlowDetectState* state) const { delete state; }

FlowDetectStatePtr NewFlowDetectState() { return FlowDetectStatePtr(new FlowDetectState()); }

}  // namespace otasuke::network::detect
