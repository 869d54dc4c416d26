#pragma once
// The literal prefilter of one log-source bucket. For each rule the compiler extracts a set
// of (field, literal) pairs such that the rule cannot match unless one of the literals occurs
// in its field (lowercased); rules without such a set are always evaluated. At match time
// each field involved is scanned once with one Aho-Corasick automaton for all the bucket's
// literals on that field, and only the rules hit are evaluated exactly.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/sigma/aho_corasick.h"
#include "agent/sigma/rule.h"

namespace otasuke::agent::sigma {

struct PrefilterLiteral {
  FieldRef field;
  std::string text;  // lowercased
};
// nullopt: the rule can match without any literal we can name.
using Trigger = std::optional<std::vector<PrefilterLiteral>>;

// Literals longer than this are cut: a prefix of a required literal is required too, and
// short patterns keep the automata small.
inline constexpr size_t kMaxPrefilterLiteral = 12;

Trigger ExtractTrigger(const DetectionRule& rule);

class Prefilter {
 public:
  struct FieldScan {
    FieldRef field;
    AhoCorasick automaton;
    std::vector<uint32_t> rules_begin;  // per pattern, into rules
    std::vector<uint32_t> rules;        // bucket-local rule positions
  };

  // triggers[i] belongs to the bucket's i-th rule.
  static Prefilter Build(const std::vector<Trigger>& triggers);

  const std::vector<FieldScan>& fields() const { return fields_; }
  const std::vector<uint32_t>& always() const { return always_; }
  size_t rule_count() const { return rule_count_; }
  size_t memory_bytes() const;

 private:
  std::vector<FieldScan> fields_;
  std::vector<uint32_t> always_;
  size_t rule_count_ = 0;
};

}  // namespace otasuke::agent::sigma
