#pragma once
// What detection will read of one direction of a flow, so the packet path can skip building
// what no rule inspects. The contract between the packet path (which asks) and detection
// (which answers, from its rule groups):
//
// - The packet path asks once per flow direction, before that direction's first stream data is
//   buffered, and again when the flow's application protocol becomes known or the rule set
//   changes. Never per packet: the answer may cost a rule-group lookup.
// - The answer depends only on the rule set and the facts passed (addresses, ports, transport,
//   direction, application protocol). With AppProto::kUnknown it must hold for every protocol
//   the flow may still turn out to be.
// - "Not needed" must be exact: the packet path then drops the data for good, and alerts must
//   not change (EVE byte for byte).

#include "agent/network/detect/inspection.h"

namespace otasuke::network::detect {

struct FlowNeeds {
  // Some rule that can apply to this direction inspects reassembled stream data
  // (BufferId::kStream: payload matches of TCP rules without flow:no_stream, in any group the
  // direction can meet). False: the packet path keeps no raw copy of the direction's stream
  // and hands detection no kStream buffer for it (packets, app-layer buffers and their
  // inspections are unchanged).
  bool raw_stream = true;
};

class FlowNeedsSource {
 public:
  virtual ~FlowNeedsSource() = default;
  // `flow` carries the header facts of the flow direction (ip_version, src, dst, ip_proto,
  // src_port, dst_port) and its flow facts (has_flow, flow_established, direction, app_proto);
  // no buffers.
  virtual FlowNeeds NeedsOf(const Inspection& flow) const = 0;
};

}  // namespace otasuke::network::detect
