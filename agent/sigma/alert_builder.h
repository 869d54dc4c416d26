#pragma once
// Sigma match -> otasuke.v1.Alert: rule reference, severity, title, MITRE techniques, the
// SME-facing explanation and next step, process/network evidence from the event fields and
// a bounded JSON rendering of the matched event as raw evidence.

#include <cstddef>

#include "agent/event/event.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/correlation.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::agent::sigma {

inline constexpr size_t kSigmaRawEvidenceBytes = 3072;

void BuildRuleAlert(const RuleMeta& meta, const std::string& ruleset_version, const Event& event,
                    v1::Alert* alert);

// A correlation alert: the rule's metadata, the group and count in the explanation's
// context, and the event that completed the correlation as evidence.
void BuildCorrelationAlert(const CorrelationRule& rule, const CorrelationHit& hit,
                           const std::string& ruleset_version, const Event& event,
                           v1::Alert* alert);

}  // namespace otasuke::agent::sigma
