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

// A condition compiled into steps run in order over one boolean, with short-circuit jumps, for
// SigmaEngine's evaluator (no recursion, no pointer chasing): `a and b` is `a; jump to the end
// if false; b`, `not x` is `x; not`, `n of ...` one step over a list of selections. Its
// answers are those of the tree's (the oracle walks the tree).
struct ConditionStep {
  enum class Op : uint8_t { kSelection, kNot, kJumpIfFalse, kJumpIfTrue, kOf, kConstant };
  Op op = Op::kSelection;
  uint32_t a = 0;         // kSelection: the selection; jumps: the target step; kOf: list begin
  uint32_t b = 0;         // kOf: list end; kConstant: the value
  uint32_t quantity = 0;  // kOf: at least this many, 0 = all
};

class ConditionProgram {
 public:
  static ConditionProgram Compile(const ConditionNode& root);
  bool empty() const { return steps_.empty(); }

  // selection(index) -> bool, called lazily as the tree walk would.
  template <typename SelectionFn>
  bool Run(SelectionFn&& selection) const {
    bool value = false;
    for (uint32_t pc = 0; pc < steps_.size(); ++pc) {
      const ConditionStep& s = steps_[pc];
      switch (s.op) {
        case ConditionStep::Op::kSelection:
          value = selection(s.a);
          break;
        case ConditionStep::Op::kNot:
          value = !value;
          break;
        case ConditionStep::Op::kJumpIfFalse:
          if (!value) pc = s.a - 1;  // a jump always goes forward: a > pc
          break;
        case ConditionStep::Op::kJumpIfTrue:
          if (value) pc = s.a - 1;
          break;
        case ConditionStep::Op::kOf:
          value = Of(s, selection);
          break;
        case ConditionStep::Op::kConstant:
          value = s.b != 0;
          break;
      }
    }
    return value;
  }

 private:
  template <typename SelectionFn>
  bool Of(const ConditionStep& s, SelectionFn&& selection) const {
    const uint32_t needed = s.quantity == 0 ? s.b - s.a : s.quantity;
    uint32_t hits = 0;
    for (uint32_t i = s.a; i < s.b; ++i) {
      if (selection(of_selections_[i])) {
        if (++hits >= needed) return true;
      } else if (s.quantity == 0) {
        return false;
      }
    }
    return false;
  }
  void Emit(const ConditionNode& node);

  std::vector<ConditionStep> steps_;
  std::vector<uint32_t> of_selections_;  // the kOf steps' lists
};

// `selection_names` are the detection keys in rule order. Errors say the column and why.
absl::StatusOr<std::unique_ptr<ConditionNode>> ParseCondition(
    std::string_view text, const std::vector<std::string>& selection_names);

// Canonical, fully parenthesised form, for tests and diagnostics.
std::string PrintCondition(const ConditionNode& node,
                           const std::vector<std::string>& selection_names);

}  // namespace otasuke::agent::sigma
