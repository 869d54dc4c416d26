// Fuzzes the Sigma condition parser: arbitrary condition text over a fixed set of selection
// names; parsed conditions are printed back canonically, and a print without quantifiers
// (whose canonical form lists the selections) must parse again to the same print; the
// engine's flat program (ConditionProgram) must answer as the tree for every selection result.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/sigma/condition.h"
#include "tests/sigma/condition_tree_value.h"

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
    if (program.Run(sel) != testing::TreeValue(**node, sel)) std::abort();
  }
  const std::string printed = PrintCondition(**node, kNames);
  if (printed.find(" of (") != std::string::npos) return 0;
  auto again = ParseCondition(printed, kNames);
  if (!again.ok() || PrintCondition(**again, kNames) != printed) std::abort();
  return 0;
}
