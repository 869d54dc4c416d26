#pragma once
// The literal prefilter of one log-source bucket. For each rule the compiler derives, from its
// condition, a conjunction of clauses; each clause is a set of (field, literal) pairs of which
// at least one must occur in its field (lowercased) for the rule to match. At match time each
// field involved is scanned once with its own scanner, built from the bucket's literals on that
// field only (a literal never meets another field's bytes, and each database stays small); a
// rule is evaluated exactly only when every one of its clauses was hit. Only the first (most
// selective) clause's literals lead to the rule as they are found; its other clauses are
// checked afterwards against the event's recorded hits, and only for rules whose first clause
// was hit, so a common literal ('.exe') in a later clause costs nothing. Rules with no clause
// (e.g. a bare `not`) are always evaluated. The literals of startswith / endswith / exact
// tests are anchored: they count only at the value's start, end or as the whole value, and
// are looked up there (anchored_literals.h) instead of being scanned for at every offset.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "agent/sigma/anchored_literals.h"
#include "agent/sigma/literal_scanner.h"
#include "agent/sigma/rule.h"

namespace otasuke::agent::sigma {

// Where a literal must lie in the field's value for its clause to count.
enum class LiteralAnchor : uint8_t { kAnywhere, kStart, kEnd, kWhole };

struct PrefilterLiteral {
  FieldRef field;
  std::string text;  // lowercased
  LiteralAnchor anchor = LiteralAnchor::kAnywhere;
};
using Clause = std::vector<PrefilterLiteral>;  // at least one must occur
// nullopt: the rule can match without any literal we can name.
using Trigger = std::optional<std::vector<Clause>>;  // every clause must be hit

// Unanchored literals longer than this are cut to their last bytes (a part of a required
// literal is required too). Both backends find whole literals up to this length (the
// automaton walks a long literal by its last bytes and compares the others: aho_corasick.h).
// Anchored literals are never cut.
inline constexpr size_t kMaxScannedLiteral = 64;
// At most this many clauses per rule (the most selective are kept).
inline constexpr size_t kMaxClauses = 32;
// Clauses with a literal shorter than this are kept only when a rule has no better one.
inline constexpr size_t kMinUsefulLiteral = 3;

// An OR of at least kManyValues values whose literals share a few kSharedPrefixBytes-byte
// prefixes (at least kMinValuesPerPrefix values per prefix: the emoji rules' thousands of
// 4-byte literals) is looked for by those prefixes; the exact test decides, and its values
// are not answering literals either.
inline constexpr size_t kManyValues = 256;
inline constexpr size_t kSharedPrefixBytes = 3;
inline constexpr size_t kMinValuesPerPrefix = 4;

Trigger ExtractTrigger(const DetectionRule& rule, size_t max_literal);

// The literals of a rule's caseless `contains` tests on named fields, wherever they are
// (filters and `not` branches too), from kMinUsefulLiteral to max_literal bytes. The bucket
// scans for them even when no clause needs them, so the scan's hits (and the scan cache)
// answer those tests instead of a search of the value per test. (Shorter ones hit too often;
// adding startswith / endswith / exact literals as well cost more than it saved.)
void AppendAnsweringLiterals(const DetectionRule& rule, size_t max_literal,
                             std::vector<PrefilterLiteral>* out);

// (field name, literal text, anchor) -> bucket-local pattern id. The compiler uses it to find
// the value tests the scan answers (rule.h HitTest); it is not kept in the compiled set.
using PatternIndex =
    absl::flat_hash_map<std::tuple<std::string, std::string, LiteralAnchor>, uint32_t>;

// The pattern whose hits answer a test needing `needed` (rule.h LiteralHit) of `literal` in
// `field`: an anchored one where its anchor gives that answer, else the scanned one; nullopt
// when the bucket has neither.
std::optional<uint32_t> FindAnsweringPattern(const PatternIndex& patterns, const std::string& field,
                                             const std::string& literal, LiteralHit needed);

class Prefilter {
 public:
  // triggers[i] belongs to the bucket's i-th rule. Fills *patterns when given. `answering`
  // literals are looked for too but lead to no rule (AppendAnsweringLiterals).
  static Prefilter Build(const std::vector<Trigger>& triggers, bool prefer_hyperscan,
                         PatternIndex* patterns = nullptr,
                         const std::vector<PrefilterLiteral>& answering = {});

  // A field the literals are searched in, with the scanner of its unanchored literals and
  // the lookup of its anchored ones. Their pattern ids are local: the bucket-wide id is
  // first_pattern + the scanner's id, first_anchored + the anchored literal's id.
  struct FieldScan {
    FieldRef field;
    LiteralScanner scanner;
    uint32_t first_pattern = 0;
    uint32_t scanned_count = 0;  // 0: nothing to scan for
    AnchoredLiterals anchored;
    uint32_t first_anchored = 0;
  };
  const std::vector<FieldScan>& fields() const { return fields_; }
  uint32_t pattern_length(uint32_t pattern) const { return pattern_length_[pattern]; }
  // The bucket-local rules whose first clause the pattern satisfies.
  std::span<const uint32_t> pattern_rules(uint32_t pattern) const {
    return std::span<const uint32_t>(hits_).subspan(
        hits_begin_[pattern], hits_begin_[pattern + 1] - hits_begin_[pattern]);
  }
  // Whether each other clause of a rule has a hit: hit(pattern) says whether the bucket-local
  // pattern was found (at its anchor) in this event.
  template <typename HitFn>
  bool OtherClausesHit(uint32_t rule, HitFn&& hit) const {
    // One test per probe: a failing clause (most of them) is probed literal by literal.
    const uint32_t* const patterns = clause_patterns_.data();
    for (uint32_t c = clauses_begin_[rule], end = clauses_begin_[rule + 1]; c < end; ++c) {
      const uint32_t* p = patterns + clause_begin_[c];
      const uint32_t* const last = patterns + clause_begin_[c + 1];
      while (p != last && !hit(*p)) ++p;
      if (p == last) return false;
    }
    return true;
  }
  const std::vector<uint32_t>& always() const { return always_; }
  size_t rule_count() const { return clauses_begin_.empty() ? 0 : clauses_begin_.size() - 1; }
  size_t pattern_count() const { return pattern_length_.size(); }
  size_t memory_bytes() const;

 private:
  std::vector<FieldScan> fields_;
  std::vector<uint32_t> pattern_length_;
  std::vector<uint32_t> hits_begin_;  // per pattern, into hits_; size patterns + 1
  std::vector<uint32_t> hits_;        // bucket-local rules (first clauses)
  std::vector<uint32_t> always_;
  std::vector<uint32_t> clauses_begin_;    // per rule, into clause_begin_; size rules + 1
  std::vector<uint32_t> clause_begin_;     // per other clause, into clause_patterns_; + 1
  std::vector<uint32_t> clause_patterns_;  // bucket-local pattern ids
};

}  // namespace otasuke::agent::sigma
