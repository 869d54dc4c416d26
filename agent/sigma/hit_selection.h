#pragma once
// A selection every test of which the prefilter's hits answer (rule.h HitTest), compiled for
// SigmaEngine's evaluator into flat bit tests: an OR of groups, each an AND of clauses, each an
// OR of probes (literal id, LiteralHit bits). A plain item is one clause; an `all` item is one
// clause per value (each value an OR of its alternatives). Evaluating it loads one hit word per
// probe until the answer is known: no field lookup, no value, no per-item call.

#include <cstdint>
#include <memory>
#include <vector>

#include "agent/sigma/rule.h"

namespace otasuke::agent::sigma {

class HitSelection {
 public:
  // Null unless every item of every group has an index (IndexFieldItems) that answers all of
  // its tests from hits.
  static std::shared_ptr<const HitSelection> Build(const Selection& selection);

  // hit(literal, LiteralHit bits): whether the literal was seen that way in this event.
  template <typename HitFn>
  bool Matches(HitFn&& hit) const {
    for (uint32_t g = 0; g + 1 < group_begin_.size(); ++g) {
      bool all = true;
      for (uint32_t c = group_begin_[g]; c < group_begin_[g + 1] && all; ++c) {
        bool any = false;
        for (uint32_t p = clause_begin_[c]; p < clause_begin_[c + 1] && !any; ++p) {
          any = hit(probes_[p].literal, probes_[p].hit);
        }
        all = any;
      }
      if (all) return true;
    }
    return false;
  }

 private:
  struct Probe {
    uint32_t literal;
    LiteralHit hit;
  };
  std::vector<uint32_t> group_begin_;   // per group, into clause_begin_; size groups + 1
  std::vector<uint32_t> clause_begin_;  // per clause, into probes_; size clauses + 1
  std::vector<Probe> probes_;
};

}  // namespace otasuke::agent::sigma
