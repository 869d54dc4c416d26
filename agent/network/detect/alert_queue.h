#pragma once
// The rules that matched one inspection, and their finalisation as Suricata 8's
// PacketAlertFinalize does it: in action order (the rule set's inspection order), thresholds
// applied, each drop / pass applied to the packet unless a conflicting one already was and to
// the flow when the rule's scope is the flow (the first flow action wins), nothing reported
// after a pass, and every reported alert stamped with the packet's verdict.

#include <cstdint>
#include <vector>

#include "agent/network/detect/compiled_rules.h"
#include "agent/network/detect/engine.h"
#include "agent/network/detect/flow_state.h"
#include "agent/network/detect/threshold.h"

namespace otasuke::network::detect {

class AlertQueue {
 public:
  void Clear() { matches_.clear(); }
  bool empty() const { return matches_.empty(); }
  // Matches must be added in inspection order (rule index order).
  void Add(uint32_t rule, const Alert& alert) { matches_.push_back(Match{rule, alert}); }

  // Decides the packet and reports its alerts to `callback`. `flow` may be null.
  InspectResult Finalize(const CompiledRules& rules, const Inspection& in, FlowDetectState* flow,
                         ThresholdTracker& thresholds, DetectStats& stats, AlertCallback& callback);

 private:
  struct Match {
    uint32_t rule;
    Alert alert;
  };
  std::vector<Match> matches_;  // reused: no allocation once grown
};

// EVE alert.action of a rule: "blocked" for reject (any mode) and for drop in IPS mode,
// "allowed" otherwise, as Suricata's AlertJsonHeader writes it.
std::string_view AlertActionName(RuleAction action, bool ips_mode);

}  // namespace otasuke::network::detect
