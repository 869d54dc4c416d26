#pragma once
// Evaluating compiled Sigma rules on events. Two engines give the same answers:
//  - SigmaEngine, the production path: log-source buckets, then the literal prefilter, then
//    exact evaluation of the few candidate rules;
//  - MatchAllRules, the straightforward evaluator kept as the test oracle: every rule whose
//    log source admits the event is evaluated in full.
// Both are per-thread objects (scratch buffers, caches); the rule set is shared read-only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "agent/event/event.h"
#include "agent/sigma/candidate_memo.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/event_memo.h"
#include "agent/sigma/scan_cache.h"
#include "agent/sigma/value_memo.h"

namespace otasuke::agent::sigma {

// Lazily lowercased field values of one event, cached per field for all rules, and the
// prefilter's literal hits when SigmaEngine scanned the event.
class EventView {
 public:
  void Reset(const Event& event);
  // Called before recording the event's hits: literal ids are below literal_count.
  void StartHits(uint32_t literal_count);
  bool hits_recorded() const { return hits_recorded_; }
  // True on the literal's first hit in this event.
  bool RecordHit(uint32_t literal, uint32_t where) {
    uint32_t& h = hits_[literal];
    if ((h >> kHitBits) == hit_generation_) {
      h |= where;
      return false;
    }
    h = (hit_generation_ << kHitBits) | where;
    return true;
  }
  // Whether the literal was seen as `where` says (rule.h LiteralHit) in this event.
  bool Hit(uint32_t literal, LiteralHit where) const {
    const uint32_t h = hits_[literal];
    return (h >> kHitBits) == hit_generation_ && (h & where) != 0;
  }
  // Hit(literal, kHitAnywhere) in one comparison: every record of this event carries
  // kHitAnywhere above this event's generation, and older records lie below it. For the
  // prefilter's other-clause checks (a failing clause tests each of its literals).
  bool Seen(uint32_t literal) const { return hits_[literal] > (hit_generation_ << kHitBits); }
  // Every LiteralHit bit recorded for the literal in this event (0: not seen).
  uint32_t HitBits(uint32_t literal) const {
    const uint32_t h = hits_[literal];
    return (h >> kHitBits) == hit_generation_ ? h & ((1u << kHitBits) - 1) : 0;
  }
  static constexpr uint32_t kHitBits = 4;
  const Event& event() const { return *event_; }
  // Finds a field: *slot identifies it for Lowered(). False when absent. Inline: the
  // prefilter and every field test call it (table fields are one bit test and a load).
  bool Find(const FieldRef& field, std::string_view* value, uint32_t* slot) const {
    if (!field.id.has_value()) return FindExtra(field, value, slot);
    if (!event_->Has(*field.id)) return false;
    *value = event_->Get(*field.id);
    *slot = static_cast<uint32_t>(*field.id);
    return true;
  }
  // The value lowercased, once per event and slot. Inline: every string test not answered by
  // hits and every searched regex gate call it, mostly for a value already lowered.
  std::string_view Lowered(uint32_t slot, std::string_view value) {
    if (stamp_[slot] != generation_) LowerInto(slot, value);
    return lowered_[slot];
  }
  // Every present value (table fields, then extras), with its slot.
  template <typename F>
  bool AnyValue(F&& f) const {
    for (size_t i = 0; i < kFieldCount; ++i) {
      const auto id = static_cast<FieldId>(i);
      if (event_->Has(id) && f(event_->Get(id), static_cast<uint32_t>(i))) return true;
    }
    for (size_t i = 0; i < event_->extra_count(); ++i) {
      if (f(std::string_view(event_->extra(i).second), static_cast<uint32_t>(kFieldCount + i))) {
        return true;
      }
    }
    return false;
  }

 private:
  bool FindExtra(const FieldRef& field, std::string_view* value, uint32_t* slot) const;
  void LowerInto(uint32_t slot, std::string_view value);

  // hits_[literal]: (generation << kHitBits) | LiteralHit bits; an entry of an older
  // generation means no hit, so nothing is cleared per event.
  static constexpr uint32_t kMaxHitGeneration = (1u << (32 - kHitBits)) - 1;

  const Event* event_ = nullptr;
  uint64_t generation_ = 0;
  std::vector<std::string> lowered_;
  std::vector<uint64_t> stamp_;
  std::vector<uint32_t> hits_;
  uint32_t hit_generation_ = 0;
  bool hits_recorded_ = false;
};

// Builds the FieldItem indexes of a rule (rule.h) that SigmaEngine's evaluator uses: tests
// whose literal the prefilter scans for in their field (`literal_id` names it, nullopt when it
// is not scanned for), and items with at least kMinIndexedTests plain exact/prefix/suffix
// tests. Called by the compiler once the prefilters exist.
inline constexpr size_t kMinIndexedTests = 4;
// `needed` says where the test needs the literal (an anchored pattern may answer).
using LiteralIdLookup = absl::FunctionRef<std::optional<uint32_t>(
    const FieldRef& field, const std::string& literal, LiteralHit needed)>;
// Also builds the selections answered wholly by hits (hit_selection.h) and the condition's
// program (condition.h ConditionProgram).
void IndexFieldItems(DetectionRule& rule, LiteralIdLookup literal_id);

// Exact evaluation of one rule on the current view. With use_item_indexes false every value
// is tested one by one (the oracle's way); with it true, items with an index use it.
class RuleEvaluator {
 public:
  explicit RuleEvaluator(bool use_item_indexes = true) : use_item_indexes_(use_item_indexes) {}
  // field_memos (SigmaEngine): per set-wide prefilter field, the evaluation result words of
  // the event's value in the scan cache (value_memo.h), null when the value is not cached;
  // rules and selections with a ValueMemo on such a field are answered, or stored, there.
  bool Matches(const DetectionRule& rule, EventView& view, uint64_t* const* field_memos = nullptr);
  // Rules and selections answered from field_memos so far.
  uint64_t value_memo_answers() const { return value_memo_answers_; }

 private:
  bool Evaluate(const DetectionRule& rule, EventView& view);
  // The event's value's result words for memo (value_memo.h), null when not kept.
  uint64_t* WordsFor(const ValueMemo& memo) const {
    return field_memos_ == nullptr || !memo.active() ? nullptr : field_memos_[memo.field];
  }
  // The result at index of words, else evaluate()'s, stored there.
  template <typename Evaluate>
  bool Kept(uint64_t* words, uint32_t index, Evaluate&& evaluate) {
    bool result = false;
    if (ValueMemoKnown(words, index, &result)) {
      ++value_memo_answers_;
      return result;
    }
    result = evaluate();
    ValueMemoStore(words, index, result);
    return result;
  }
  bool Groups(const Selection& selection, EventView& view) const;
  bool Node(const ConditionNode& node, const DetectionRule& rule, EventView& view);
  bool SelectionMatches(uint32_t index, const DetectionRule& rule, EventView& view);
  bool ItemMatches(const FieldItem& item, EventView& view) const;

  bool use_item_indexes_;
  // Per selection of the rule being evaluated: (memo_generation_ << 1) | result; an entry of
  // an older generation is unknown, so a new rule clears nothing.
  std::vector<uint32_t> memo_;
  uint32_t memo_generation_ = 0;
  uint64_t* const* field_memos_ = nullptr;  // of the Matches() call under way
  uint64_t value_memo_answers_ = 0;
};

struct EngineStats {
  uint64_t events = 0;
  uint64_t candidates = 0;  // rules the prefilter let through
  // Of those, answered by the candidate memo or the event memo without evaluation (their
  // result is determined by the event's prefilter field values: candidate_memo.h,
  // event_memo.h).
  uint64_t memo_results = 0;
  // Candidate memo hits whose undetermined candidates read no hit record: none replayed.
  uint64_t replays_skipped = 0;
  uint64_t matches = 0;
};

struct EngineOptions {
  // Slots per prefilter field of the per-thread scan cache (scan_cache.h); 0: no cache.
  uint32_t scan_cache_entries = kDefaultScanCacheEntries;
  // Entries of the per-thread candidate memo (candidate_memo.h); 0, or no scan cache: none.
  uint32_t candidate_memo_entries = kDefaultCandidateMemoEntries;
  // Entries of the per-thread whole-event memo in front of the scan cache (event_memo.h); 0,
  // or no scan cache: none.
  uint32_t event_memo_entries = kDefaultEventMemoEntries;
};

class SigmaEngine {
 public:
  explicit SigmaEngine(const EngineOptions& options = {})
      : scan_cache_(options.scan_cache_entries),
        candidate_memo_(options.scan_cache_entries == 0 ? 0 : options.candidate_memo_entries),
        event_memo_(options.scan_cache_entries == 0 ? 0 : options.event_memo_entries) {}

  // Appends the indices of matching detection rules, ascending, to *matched.
  void Match(const CompiledSigmaRules& rules, const Event& event, std::vector<uint32_t>* matched);
  const EngineStats& stats() const { return stats_; }
  // The rules evaluated exactly for the last event (for profiling and tests).
  const std::vector<uint32_t>& last_candidates() const { return candidates_; }
  // The scan cache's counters for a prefilter field (bucket index, position in the bucket's
  // Prefilter::fields()) of the rule set last matched against.
  const ScanCacheStats& scan_cache_stats(uint32_t bucket, uint32_t field) const {
    return scan_cache_.stats(bucket_field_[bucket] + field);
  }
  size_t scan_cache_bytes() const { return scan_cache_.memory_bytes(); }
  // Rules and selections answered by the evaluation results kept per cached value.
  uint64_t value_memo_answers() const { return evaluator_.value_memo_answers(); }
  // The candidate memo, with its lookups and hits.
  const CandidateMemo& candidate_memo() const { return candidate_memo_; }
  // The whole-event memo, with its lookups, hits and bypassed events.
  const EventMemo& event_memo() const { return event_memo_; }

 private:
  void RouteBuckets(const CompiledSigmaRules& rules, const LogSource& source);
  // Records a literal's hit (bucket-local id, LiteralHit bits); on its first hit in this
  // event, notes the rules whose first clause it satisfies. True on the first hit.
  bool NoteHit(const LogSourceBucket& bucket, uint32_t pattern, uint32_t where, uint32_t gen);
  // A prefilter field of the event: its value, and its scan cache entry when found there.
  struct FieldLookup {
    std::string_view value;
    bool present = false;
    bool cached = false;  // looked up (and to be stored after a scan)
    uint64_t hash = 0;
    ScanCache::Entry entry;  // serial 0: not found
  };
  // Looks the field's value up in the scan cache (cache_field: the field's index there).
  void LookUp(uint32_t cache_field, FieldLookup& field);
  // Finds the bucket's literals in its field-th prefilter field's value by scanning, and
  // stores what was found in the scan cache when the value is cacheable.
  void ScanField(const LogSourceBucket& bucket, uint32_t field, uint32_t cache_field,
                 const FieldLookup& lookup, uint32_t gen);
  // Reads the bucket's prefilter fields into lookups_ and event_key_; when the event
  // memo knows the answer for their values, appends it as OutputKept does. False otherwise.
  bool MatchWholeEvent(const CompiledSigmaRules& rules, const LogSourceBucket& bucket, uint32_t b,
                       std::vector<uint32_t>* matched);
  // Finds the bucket's candidates and appends the matching ones to *matched, ascending.
  void MatchBucket(const CompiledSigmaRules& rules, uint32_t b, std::vector<uint32_t>* matched);
  // When the candidate memo knows the bucket's candidates for the fields' scan cache entries
  // (memo_key_): appends them, the matches among those the key determines, and those of the
  // others after evaluating them (the entries' hits recorded first if they read them). False
  // otherwise.
  bool MatchMemoised(const CompiledSigmaRules& rules, const LogSourceBucket& bucket, uint32_t b,
                     uint64_t key_hash, std::vector<uint32_t>* matched);
  // Keeps the bucket's answer in the event memo for event_key_, with where lookups_ found its
  // values in the scan cache.
  void KeepWholeEvent(uint32_t b, const CandidateMemo::Kept& kept);
  // Appends a memo's candidates, the matches among those it determines, and those of the
  // others after evaluating them.
  void OutputKept(const CompiledSigmaRules& rules, const CandidateMemo::Kept& kept,
                  std::vector<uint32_t>* matched);
  // Evaluates rule r exactly; appends it to *matched when it matches.
  bool EvaluateCandidate(const CompiledSigmaRules& rules, uint32_t r,
                         std::vector<uint32_t>* matched);

  uint64_t cached_serial_ = 0;
  LogSource cached_source_;
  std::vector<uint32_t> cached_buckets_;
  EventView view_;
  RuleEvaluator evaluator_;
  LiteralScratch scratch_;
  std::vector<uint32_t> stamp_;  // per bucket-local rule: generation when noted in touched_
  uint32_t stamp_generation_ = 0;
  std::vector<uint32_t> touched_;  // bucket-local rules whose first clause was hit
  ScanCache scan_cache_;
  std::vector<uint32_t> bucket_field_;  // per bucket: its first_field, for scan_cache_stats
  // Per set-wide prefilter field: its FieldId in the event's table, kFoundByName when it is
  // an extra field. MatchWholeEvent reads every field of a bucket: in a byte array, a table
  // field's value is a bit test and two loads.
  static constexpr int16_t kFoundByName = -1;
  std::vector<int16_t> table_field_ids_;
  std::vector<uint32_t> field_hits_;  // one field's distinct hits, for the scan cache
  // Per set-wide prefilter field: this event's value's evaluation results in the scan cache
  // (value_memo.h), null when the field is absent or its value not cached.
  std::vector<uint64_t*> field_memos_;
  std::vector<FieldLookup> lookups_;  // per prefilter field of the bucket being matched
  std::vector<uint64_t> memo_key_;    // its fields' scan cache serials (0: absent)
  CandidateMemo candidate_memo_;
  EventMemo event_memo_;
  // The bucket being matched's key in the event memo (hash 0: the memo not used); its values
  // are in lookups_.
  EventMemo::Key event_key_;
  std::vector<uint32_t> candidates_;
  EngineStats stats_;
};

// The oracle: rule by rule, no index, no prefilter.
class RuleByRuleEngine {
 public:
  void Match(const CompiledSigmaRules& rules, const Event& event, std::vector<uint32_t>* matched);

 private:
  EventView view_;
  RuleEvaluator evaluator_{/*use_item_indexes=*/false};
};

}  // namespace otasuke::agent::sigma
