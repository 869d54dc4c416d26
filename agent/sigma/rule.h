#pragma once
// Compiled Sigma rules: the immutable form the engines evaluate. A detection rule is a list
// of selections and a condition over them; a selection is an OR of AND-groups of field
// items; a field item tests one event field (or, for keyword lists, every value) against
// one or more compiled value tests.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "agent/event/event.h"
#include "agent/event/fields.h"
#include "agent/sigma/condition.h"
#include "agent/sigma/string_test_set.h"
#include "agent/sigma/value_matcher.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::agent::sigma {

// A field named by a rule, resolved once: table fields by id, others by name at match time.
struct FieldRef {
  std::string name;
  std::optional<FieldId> id;

  static FieldRef Resolve(std::string_view name);
  bool operator==(const FieldRef& o) const { return name == o.name; }
};

// A literal a regular expression or a glob requires: when absent from the value (ASCII case
// folded), the test cannot match and is not run. `literal_id` names the prefilter literal whose
// hits answer it when the bucket scans for it in the item's field; else the lowered value is
// searched.
struct LiteralGate {
  std::string literal;
  std::optional<uint32_t> literal_id;
};

struct ValueTest {
  enum class Kind : uint8_t { kString, kRegex, kCidr, kNumeric, kExists, kNull, kFieldRef };
  Kind kind = Kind::kString;
  StringMatcher text;  // kString; kFieldRef uses its kind (exact/prefix/...) and cased()
  RegexMatcher regex;  // kRegex
  CidrMatcher cidr;    // kCidr
  NumericOp op = NumericOp::kGt;
  double number = 0;   // kNumeric
  bool exists = true;  // kExists
  FieldRef other;      // kFieldRef
  // For SigmaEngine's evaluator (set by IndexFieldItems): kRegex, the literals the regex
  // requires (RegexMatcher::required_literals), those the scan's hits answer first; a kString
  // glob, those of its literal runs (StringMatcher::glob_runs) that the scan's hits answer (the
  // glob's own search finds the others).
  std::vector<LiteralGate> gates;
};

// Where the prefilter saw a literal in a field's lowercased value (SigmaEngine records them
// per event, by the literal's id in the compiled set).
enum LiteralHit : uint8_t {
  kHitAnywhere = 1,  // some occurrence
  kHitAtStart = 2,   // an occurrence starting at offset 0
  kHitAtEnd = 4,     // an occurrence ending at the value's end
  kHitWhole = 8,     // an occurrence that is the whole value
};

// A caseless contains / startswith / endswith / exact test whose literal the prefilter scans
// for in the same field: the scan's hits answer it without touching the value.
struct HitTest {
  uint32_t literal = 0;  // literal id in the compiled set
  LiteralHit hit = kHitAnywhere;
  uint32_t value = 0;        // position in FieldItem::values, for evaluation without hits
  uint32_t alternative = 0;  // and in that value's alternatives
};

// The indexed engine's shortcuts for a field item: `by_hits` the tests answered from the
// prefilter's hits, `strings` (when at least kMinIndexedTests remain) the plain exact /
// prefix / suffix tests StringTestSet can index, `rest` the positions (value, alternative) of
// the others, tested one by one. For an `all` item every test is in `by_hits`, grouped by
// value.
struct FieldItemIndex {
  std::vector<HitTest> by_hits;
  StringTestSet strings;
  std::vector<std::pair<uint32_t, uint32_t>> rest;
};

struct FieldItem {
  FieldRef field;    // empty name: a keyword, tested against every value of the event
  bool all = false;  // every value must match (modifier `all`), else any
  // One entry per rule value; each is the OR of the value's expansions (windash, base64offset).
  std::vector<std::vector<ValueTest>> values;
  // Built by the compiler (IndexFieldItems) for the indexed engine; null: one by one.
  std::shared_ptr<const FieldItemIndex> index;
};

class HitSelection;  // hit_selection.h

// A selection's or rule's place among the evaluation results kept per cached value of one
// prefilter field (value_memo.h), set by the compiler when it reads that field only.
struct ValueMemo {
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t field = kNone;  // set-wide prefilter field id (LogSourceBucket::first_field + i)
  uint32_t index = 0;      // among that field's memoised selections and rules
  bool active() const { return field != kNone; }
};

struct Selection {
  std::string name;
  int line = 0;
  std::vector<std::vector<FieldItem>> groups;  // OR of AND-groups
  // Built by the compiler (IndexFieldItems) when the scan's hits answer every test: the
  // indexed engine then evaluates the selection by bit tests alone; null: item by item.
  std::shared_ptr<const HitSelection> by_hits;
  ValueMemo memo;  // when its result depends on one prefilter field's value alone
};

// What alerts carry about any rule, detection or correlation.
struct RuleMeta {
  std::string id;
  std::string name;  // correlation references use it (or the id)
  std::string title;
  std::string status;
  std::string level;
  std::string description;
  std::vector<std::string> tags;
  std::vector<std::string> mitre;  // "T1059.004" from tags attack.t1059.004
  v1::Severity severity = v1::SEVERITY_MEDIUM;
  v1::LocalizedText explanation;  // rule field otasuke.explanation {ja, en}
  v1::LocalizedText next_step;    // rule field otasuke.next_step {ja, en}
  std::string file;
  int line = 0;
};

struct DetectionRule {
  RuleMeta meta;
  LogSource logsource;
  std::vector<Selection> selections;
  std::unique_ptr<ConditionNode> condition;  // several `condition:` entries are OR'ed
  // The condition as SigmaEngine's evaluator runs it (built by IndexFieldItems).
  ConditionProgram program;
  ValueMemo memo;  // when every selection reads the same prefilter field only
  // Set by the compiler (MarkKeyDeterminedRules, candidate_memo.h): every field the rule reads
  // (fieldref targets and `exists` fields too, no keyword) is a prefilter field of its bucket,
  // so its result is fixed by the candidate memo's key, the scan cache entries of those fields.
  bool determined_by_key = false;
  // Whether SigmaEngine's evaluation of the rule reads the scan's hit records (tests, regex
  // gates or selections answered by hits): set with determined_by_key.
  bool reads_hits = true;
  // False when a correlation rule uses this rule without `generate: true`: it then feeds the
  // correlation only.
  bool emits_alerts = true;
};

enum class CorrelationType : uint8_t { kEventCount, kValueCount, kTemporal, kTemporalOrdered };

enum class CompareOp : uint8_t { kGt, kGte, kLt, kLte, kEq, kNeq };

struct CountCondition {
  CompareOp op = CompareOp::kGte;
  uint64_t value = 1;
  bool Holds(uint64_t count) const;
};

struct CorrelationRule {
  RuleMeta meta;
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<uint32_t> rules;     // detection rule indices, in the order the rule lists them
  std::vector<FieldRef> group_by;  // after aliases: per referenced rule, see alias_fields
  // alias_fields[k][r]: the event field of group-by k for referenced rule r (aliases).
  std::vector<std::vector<FieldRef>> group_fields;
  absl::Duration timespan = absl::Minutes(5);
  std::vector<CountCondition> conditions;  // all must hold (a range is two)
  FieldRef value_field;                    // value_count
};

}  // namespace otasuke::agent::sigma
