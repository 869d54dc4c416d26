// Fuzzes the Sigma condition parser: arbitrary condition text over a fixed set of selection
// names; parsed conditions are printed back canonically, and a print without quantifiers
// (whose canonical form lists the selections) must parse again to the same print.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/sigma/condition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otasuke::agent::sigma;
  static const std::vector<std::string> kNames = {
      "selection", "selection_img", "filter_main", "filter_optional_x", "_private", "keywords"};
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto node = ParseCondition(text, kNames);
  if (!node.ok()) return 0;
  const std::string printed = PrintCondition(**node, kNames);
  if (printed.find(" of (") != std::string::npos) return 0;
  auto again = ParseCondition(printed, kNames);
  if (!again.ok() || PrintCondition(**again, kNames) != printed) std::abort();
  return 0;
}
