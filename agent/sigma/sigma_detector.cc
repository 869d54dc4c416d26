#include "agent/sigma/sigma_detector.h"

#include "agent/sigma/alert_builder.h"

namespace otasuke::agent::sigma {

void SigmaDetector::Inspect(const Event& event, AlertSink& sink) {
  const CompiledSigmaRules* rules = reader_.Get();
  ++stats_.events;
  if (rules == nullptr) return;
  matched_.clear();
  engine_.Match(*rules, event, &matched_);
  if (matched_.empty()) return;
  stats_.rule_matches += matched_.size();
  for (uint32_t r : matched_) {
    const DetectionRule& rule = rules->rules()[r];
    if (!rule.emits_alerts) continue;
    v1::Alert alert;
    BuildRuleAlert(rule.meta, rules->version(), event, &alert);
    sink.Emit(std::move(alert));
    ++stats_.alerts;
  }
  hits_.clear();
  correlation_.Observe(*rules, event, matched_, &hits_);
  for (const CorrelationHit& hit : hits_) {
    v1::Alert alert;
    BuildCorrelationAlert(rules->correlations()[hit.correlation], hit, rules->version(), event,
                          &alert);
    sink.Emit(std::move(alert));
    ++stats_.alerts;
    ++stats_.correlation_hits;
  }
}

}  // namespace otasuke::agent::sigma
