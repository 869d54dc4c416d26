#pragma once
// SME-facing texts kept beside rules that cannot carry them (Suricata rules): a YAML map from
// rule id to {explanation: {ja, en}, next_step: {ja, en}}. A bare number is a Suricata sid of
// gid 1 ("9100001" is rule id "1:9100001"). The ExplainingSink puts the table's texts on
// every alert of a rule listed there: written for that rule, they beat the generic texts an
// engine makes up (the network engine describes any signature match from its addresses).

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agent/pipeline/alert_sink.h"
#include "common/snapshot.h"

namespace otasuke::agent {

struct RuleTexts {
  otasuke::v1::LocalizedText explanation;
  otasuke::v1::LocalizedText next_step;
};

using ExplanationTable = std::map<std::string, RuleTexts, std::less<>>;

// Parses one explanations file into `table`. Errors name "<path>:<line>: <rule id>: reason";
// a rule id defined twice (in this or an earlier file) is an error.
absl::Status ParseExplanations(std::string_view path, std::string_view content,
                               ExplanationTable* table);

// Sets explanation / next step from the table for rules it lists, then forwards. Thread-safe.
class ExplainingSink final : public AlertSink {
 public:
  ExplainingSink(const Snapshot<ExplanationTable>& table, AlertSink& next)
      : table_(table), next_(next) {}
  void Emit(otasuke::v1::Alert&& alert) override;

 private:
  const Snapshot<ExplanationTable>& table_;
  AlertSink& next_;
};

}  // namespace otasuke::agent
