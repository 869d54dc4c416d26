// Fuzzes the Sigma condition parser: arbitrary condition text over a fixed set of selection
// names; parsed conditions are printed back canonically, and a print without quantifiers
// (whose canonical form lists the selections) must parse again to the same print; the
// engine's flat program (ConditionProgram) must answer as the tree for every selection result.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/sigma/condition.h"

namespace {

// The tree's meaning, written out here independently of the engine.
template <typename SelectionFn>
bool TreeValue(const otasuke::agent::sigma::ConditionNode& node, SelectionFn&& sel) {
  using Kind = otasuke::agent::sigma::ConditionNode::Kind;
  switch (node.kind) {
    case Kind::kSelection:
      return sel(node.selections[0]);
    case Kind::kNot:
      return !TreeValue(*node.children[0], sel);
    case Kind::kAnd:
      for (const auto& c : node.children) {
        if (!TreeValue(*c, sel)) return false;
      }
      return true;
    case Kind::kOr:
      for (const auto& c : node.children) {
        if (TreeValue(*c, sel)) return true;
      }
      return false;
    case Kind::kOfSelections: {
      size_t hits = 0;
      for (const uint32_t s : node.selections) hits += sel(s) ? 1 : 0;
      if (node.quantity == 0) return !node.selections.empty() && hits == node.selections.size();
      return hits >= node.quantity;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otasuke::agent::sigma;
  static const std::vector<std::string> kNames = {
      "selection", "selection_img", "filter_main", "filter_optional_x", "_private", "keywords"};
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto node = ParseCondition(text, kNames);
  if (!node.ok()) return 0;
  // The engine's flat program answers as the tree does, for every selection result.
  const ConditionProgram program = ConditionProgram::Compile(**node);
  for (uint32_t bits = 0; bits < (1u << kNames.size()); ++bits) {
    auto sel = [&](uint32_t s) { return ((bits >> s) & 1) != 0; };
    if (program.Run(sel) != TreeValue(**node, sel)) std::abort();
  }
  const std::string printed = PrintCondition(**node, kNames);
  if (printed.find(" of (") != std::string::npos) return 0;
  auto again = ParseCondition(printed, kNames);
  if (!again.ok() || PrintCondition(**again, kNames) != printed) std::abort();
  return 0;
}
