#include "agent/network/detect/alert_queue.h"

namespace otasuke::network::detect {
namespace {

bool Blocking(RuleAction action) {
  return action == RuleAction::kDrop || action == RuleAction::kReject;
}

// Whether a pass / drop of `rule` matched as `alert` decides the flow (Suricata 8
// FlowApplySignatureActions by signature type).
bool AppliesToFlow(const Rule& rule, const Alert& alert) {
  switch (rule.action_scope) {
    case ActionScope::kFlow:
      return true;
    case ActionScope::kFlowIfStreamMatch:
      return alert.matched_in_stream;
    case ActionScope::kPacket:
      break;
  }
  return false;
}

}  // namespace

std::string_view AlertActionName(RuleAction action, bool ips_mode) {
  if (action == RuleAction::kReject) return "blocked";
  return action == RuleAction::kDrop && ips_mode ? "blocked" : "allowed";
}

std::string_view VerdictActionName(VerdictAction action) {
  switch (action) {
    case VerdictAction::kPass:
      return "pass";
    case VerdictAction::kDrop:
      return "drop";
    case VerdictAction::kAlert:
      break;
  }
  return "alert";
}

std::string_view RejectTargetName(RejectTarget target) {
  switch (target) {
    case RejectTarget::kToServer:
      return "to_server";
    case RejectTarget::kBoth:
      return "both";
    case RejectTarget::kToClient:
    case RejectTarget::kNone:
      break;
  }
  return "to_client";
}

InspectResult AlertQueue::Finalize(const CompiledRules& rules, const Inspection& in,
                                   FlowDetectState* flow, ThresholdTracker& thresholds,
                                   DetectStats& stats, AlertCallback& callback) {
  InspectResult result;
  bool packet_drop = false;
  bool packet_pass = false;
  bool ends_with_pass = false;
  RejectTarget reject = RejectTarget::kNone;
  auto set_flow_action = [&](FlowAction action) {
    if (flow != nullptr && in.has_flow && flow->action == FlowAction::kNone) flow->action = action;
  };
  size_t reported = 0;
  for (const Match& match : matches_) {
    const Rule& rule = rules.rules[match.rule];
    if (rule.detection_filter && !thresholds.Allow(rule, *rule.detection_filter, in)) {
      ++stats.suppressed;
      continue;
    }
    if (rule.threshold && !thresholds.Allow(rule, *rule.threshold, in)) {
      ++stats.suppressed;
      continue;
    }
    const RuleAction action = rule.info.action;
    if (action == RuleAction::kPass) {
      // A pass after a drop of the same packet conflicts with it and is not applied (Suricata
      // bug 7653); either way nothing ordered after a pass is reported.
      if (!packet_drop) {
        packet_pass = true;
        if (AppliesToFlow(rule, match.alert)) set_flow_action(FlowAction::kPass);
      }
      ends_with_pass = true;
      break;
    }
    if (Blocking(action)) {
      packet_drop = true;
      if (action == RuleAction::kReject && reject == RejectTarget::kNone) {
        reject = rule.info.reject_target;
      }
      if (AppliesToFlow(rule, match.alert)) set_flow_action(FlowAction::kDrop);
    }
    if (rule.noalert) continue;
    matches_[reported++] = match;
  }
  matches_.resize(reported);

  // Suricata's EveAddVerdict over the packet's final action.
  PacketVerdict verdict;
  if (reject != RejectTarget::kNone) {
    verdict.action = rules.ips_mode ? VerdictAction::kDrop : VerdictAction::kAlert;
    verdict.reject = reject;
  } else if (packet_drop && rules.ips_mode) {
    verdict.action = VerdictAction::kDrop;
  } else if (ends_with_pass) {
    verdict.action = VerdictAction::kPass;
  }
  for (Match& match : matches_) {
    Alert& alert = match.alert;
    alert.rule = &rules.rules[match.rule].info;
    alert.action = AlertActionName(alert.rule->action, rules.ips_mode);
    alert.verdict = verdict;
    ++stats.alerts;
    ++result.alerts;
    callback.OnAlert(alert);
  }
  result.passed = packet_pass;
  if (flow != nullptr) {
    result.flow_passed = flow->action == FlowAction::kPass;
    result.flow_dropped = flow->action == FlowAction::kDrop;
  }
  return result;
}

}  // namespace otasuke::network::detect
