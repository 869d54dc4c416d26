#pragma once
// Sigma condition expressions. Grammar (keywords case-insensitive; `not` binds tightest,
// then `and`, then `or`):
//
//   condition  = or_expr ;
//   or_expr    = and_expr { "or" and_expr } ;
//   and_expr   = not_expr { "and" not_expr } ;
//   not_expr   = "not" not_expr | primary ;
//   primary    = "(" or_expr ")" | quantifier "of" target | identifier ;
//   quantifier = "all" | "any" | number ;          (number >= 1; "any" = 1)
//   target     = "them" | identifier-with-wildcards ;
//
// Identifiers name detection selections; `*` in a target matches any run of characters and
// `them` means every selection whose name does not start with `_`. Aggregations (`| count()`)
// are the deprecated predecessor of correlation rules and are rejected. Recursion is capped.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace otasuke::agent::sigma {

struct ConditionNode {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kSelection, kOfSelections };
  Kind kind = Kind::kSelection;
  std::vector<std::unique_ptr<ConditionNode>> children;  // kAnd, kOr, kNot (one)
  std::vector<uint32_t> selections;                      // kSelection (one), kOfSelections
  uint32_t quantity = 1;  // kOfSelections: at least this many; 0 = all of them
  int column = 0;         // 1-based position in the condition text
};

inline constexpr int kMaxConditionDepth = 64;

// `selection_names` are the detection keys in rule order. Errors say the column and why.
absl::StatusOr<std::unique_ptr<ConditionNode>> ParseCondition(
    std::string_view text, const std::vector<std::string>& selection_names);

// Canonical, fully parenthesised form, for tests and diagnostics.
std::string PrintCondition(const ConditionNode& node,
                           const std::vector<std::string>& selection_names);

}  // namespace otasuke::agent::sigma
