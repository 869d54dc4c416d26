#pragma once
// What a parsed Sigma condition means for given selection results, written out independently
// of the engine (a plain recursive walk), for the tests and the fuzzer that check the engine's
// ConditionProgram against it. No test framework: the fuzzer includes it too.

#include <cstddef>
#include <cstdint>

#include "agent/sigma/condition.h"

namespace otasuke::agent::sigma::testing {

// selection(index) -> bool: each selection's result.
template <typename SelectionFn>
bool TreeValue(const ConditionNode& node, SelectionFn&& selection) {
  switch (node.kind) {
    case ConditionNode::Kind::kSelection:
      return selection(node.selections[0]);
    case ConditionNode::Kind::kNot:
      return !TreeValue(*node.children[0], selection);
    case ConditionNode::Kind::kAnd:
      for (const auto& c : node.children) {
        if (!TreeValue(*c, selection)) return false;
      }
      return true;
    case ConditionNode::Kind::kOr:
      for (const auto& c : node.children) {
        if (TreeValue(*c, selection)) return true;
      }
      return false;
    case ConditionNode::Kind::kOfSelections: {
      size_t hits = 0;
      for (const uint32_t s : node.selections) hits += selection(s) ? 1 : 0;
      if (node.quantity == 0) return !node.selections.empty() && hits == node.selections.size();
      return hits >= node.quantity;
    }
  }
  return false;
}

}  // namespace otasuke::agent::sigma::testing
