#pragma once
// Helpers for Sigma tests: compile rules from YAML text, build events, run both engines.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "agent/event/event.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/engine.h"
#include "gtest/gtest.h"

namespace otasuke::agent::sigma::testing {

inline std::shared_ptr<const CompiledSigmaRules> MustCompile(const std::string& yaml,
                                                             LoadReport* report = nullptr) {
  auto result = CompileSigmaRules({{.path = "test.yml", .content = yaml}});
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return nullptr;
  if (report != nullptr) *report = result->report;
  for (const LoadIssue& e : result->report.errors) ADD_FAILURE() << e.ToString();
  return result->rules;
}

inline Event ProcessEvent(std::vector<std::pair<std::string, std::string>> fields,
                          std::string product = "windows") {
  Event e;
  e.source() = {.product = product, .category = "process_creation", .service = ""};
  for (const auto& [name, value] : fields) {
    if (auto id = FindField(name)) {
      e.Set(*id, value);
    } else {
      e.SetExtra(name, value);
    }
  }
  return e;
}

// Calls f(item) for every field item of every selection of every detection rule.
template <typename F>
void ForEachFieldItem(const CompiledSigmaRules& rules, F&& f) {
  for (const DetectionRule& rule : rules.rules()) {
    for (const Selection& selection : rule.selections) {
      for (const auto& group : selection.groups) {
        for (const FieldItem& item : group) f(item);
      }
    }
  }
}

// The ids of the matched rules, in match order.
inline std::vector<std::string> RuleIds(const CompiledSigmaRules& rules,
                                        const std::vector<uint32_t>& matches) {
  std::vector<std::string> ids;
  for (const uint32_t r : matches) ids.push_back(rules.rules()[r].meta.id);
  return ids;
}

// Matching rule ids from the indexed engine; checks the oracle agrees.
inline std::vector<std::string> MatchIds(const CompiledSigmaRules& rules, const Event& event) {
  SigmaEngine engine;
  RuleByRuleEngine oracle;
  std::vector<uint32_t> a, b;
  engine.Match(rules, event, &a);
  oracle.Match(rules, event, &b);
  EXPECT_EQ(a, b) << "indexed engine and oracle disagree";
  return RuleIds(rules, a);
}

}  // namespace otasuke::agent::sigma::testing
