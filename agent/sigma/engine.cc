#include "agent/sigma/engine.h"

#include <algorithm>
#include <bit>
#include <memory>

#include "agent/sigma/hit_selection.h"

namespace otasuke::agent::sigma {

void EventView::Reset(const Event& event) {
  event_ = &event;
  ++generation_;
  const size_t slots = kFieldCount + event.extra_count();
  if (stamp_.size() < slots) {
    stamp_.resize(slots, 0);
    lowered_.resize(slots);
  }
  hits_recorded_ = false;
}

void EventView::StartHits(uint32_t literal_count) {
  if (hits_.size() < literal_count) hits_.resize(literal_count, 0);
  if (++hit_generation_ > kMaxHitGeneration) {  // wrapped: forget every old hit
    std::fill(hits_.begin(), hits_.end(), 0);
    hit_generation_ = 1;
  }
  hits_recorded_ = true;
}

bool EventView::FindExtra(const FieldRef& field, std::string_view* value, uint32_t* slot) const {
  const int i = event_->FindExtraIndex(field.name);
  if (i < 0) return false;
  *value = event_->extra(static_cast<size_t>(i)).second;
  *slot = static_cast<uint32_t>(kFieldCount + i);
  return true;
}

void EventView::LowerInto(uint32_t slot, std::string_view value) {
  LowerAscii(value, &lowered_[slot]);
  stamp_[slot] = generation_;
}

namespace {

bool NumericHolds(NumericOp op, double field, double rule) {
  switch (op) {
    case NumericOp::kGt:
      return field > rule;
    case NumericOp::kGte:
      return field >= rule;
    case NumericOp::kLt:
      return field < rule;
    case NumericOp::kLte:
      return field <= rule;
  }
  return false;
}

// A regex or glob matches only values containing each of its required literals
// (value_matcher.h, caseless): when one is absent PCRE2 or the glob's search need not run.
bool RequiredLiteralsPresent(const ValueTest& t, EventView& view, std::string_view value,
                             uint32_t slot) {
  const bool recorded = view.hits_recorded();
  for (const LiteralGate& gate : t.gates) {
    const bool present =
        gate.literal_id.has_value() && recorded
            ? view.Hit(*gate.literal_id, kHitAnywhere)
            : view.Lowered(slot, value).find(gate.literal) != std::string_view::npos;
    if (!present) return false;
  }
  return true;
}

// `shortcuts`: SigmaEngine's evaluator (regexes gated by their required literal); the oracle
// tests every value the plain way.
bool TestValue(const ValueTest& t, EventView& view, bool present, std::string_view value,
               uint32_t slot, bool shortcuts) {
  switch (t.kind) {
    case ValueTest::Kind::kNull:
      return !present || value.empty();
    case ValueTest::Kind::kExists:
      return present == t.exists;
    default:
      break;
  }
  if (!present) return false;
  switch (t.kind) {
    case ValueTest::Kind::kString:
      if (shortcuts && !RequiredLiteralsPresent(t, view, value, slot)) return false;
      return t.text.Matches(value, t.text.cased() ? value : view.Lowered(slot, value));
    case ValueTest::Kind::kRegex:
      if (shortcuts && !RequiredLiteralsPresent(t, view, value, slot)) return false;
      return t.regex.Matches(value);
    case ValueTest::Kind::kCidr:
      return t.cidr.Matches(value);
    case ValueTest::Kind::kNumeric: {
      double number = 0;
      return ParseNumber(value, &number) && NumericHolds(t.op, number, t.number);
    }
    case ValueTest::Kind::kFieldRef: {
      std::string_view other;
      uint32_t other_slot = 0;
      if (!view.Find(t.other, &other, &other_slot)) return false;
      if (t.text.cased()) return value == other;
      const std::string_view a = view.Lowered(slot, value);
      const std::string_view b = view.Lowered(other_slot, other);
      return a == b;
    }
    default:
      return false;
  }
}

bool AnyAlternative(const std::vector<ValueTest>& alternatives, EventView& view, bool present,
                    std::string_view value, uint32_t slot, bool shortcuts) {
  for (const ValueTest& t : alternatives) {
    if (TestValue(t, view, present, value, slot, shortcuts)) return true;
  }
  return false;
}

// Keywords: tested against every value of the event.
bool KeywordMatches(const FieldItem& item, EventView& view, bool shortcuts) {
  auto one = [&](const std::vector<ValueTest>& alternatives) {
    return view.AnyValue([&](std::string_view value, uint32_t slot) {
      return AnyAlternative(alternatives, view, true, value, slot, shortcuts);
    });
  };
  if (item.all) {
    for (const auto& v : item.values) {
      if (!one(v)) return false;
    }
    return true;
  }
  for (const auto& v : item.values) {
    if (one(v)) return true;
  }
  return false;
}

bool IndexedItemMatches(const FieldItem& item, const FieldItemIndex& index, EventView& view) {
  std::string_view value;
  uint32_t slot = 0;
  bool present = false;
  bool found = false;
  auto find = [&] {
    if (!found) present = view.Find(item.field, &value, &slot);
    found = true;
  };
  const bool recorded = view.hits_recorded();
  auto hit = [&](const HitTest& h) {
    if (recorded) return view.Hit(h.literal, h.hit);
    find();  // no scan for this event (profiling): test the value itself
    return TestValue(item.values[h.value][h.alternative], view, present, value, slot, true);
  };
  if (item.all) {  // every value, each an OR of its alternatives, all in by_hits
    const std::vector<HitTest>& tests = index.by_hits;
    for (size_t i = 0; i < tests.size();) {
      const uint32_t v = tests[i].value;
      bool any = false;
      for (; i < tests.size() && tests[i].value == v; ++i) any = any || hit(tests[i]);
      if (!any) return false;
    }
    return true;
  }
  for (const HitTest& h : index.by_hits) {
    if (hit(h)) return true;
  }
  if (index.strings.size() == 0 && index.rest.empty()) return false;
  find();
  if (present && index.strings.size() > 0 && index.strings.AnyMatches(view.Lowered(slot, value))) {
    return true;
  }
  for (const auto& [v, a] : index.rest) {
    if (TestValue(item.values[v][a], view, present, value, slot, true)) return true;
  }
  return false;
}

// The LiteralHit that answers a caseless string test with a scanned literal.
std::optional<LiteralHit> HitAnswering(const StringMatcher& m) {
  if (m.cased() || m.literal().empty()) return std::nullopt;
  switch (m.kind()) {
    case StringMatcher::Kind::kContains:
      return kHitAnywhere;
    case StringMatcher::Kind::kPrefix:
      return kHitAtStart;
    case StringMatcher::Kind::kSuffix:
      return kHitAtEnd;
    case StringMatcher::Kind::kExact:
      return kHitWhole;
    case StringMatcher::Kind::kGlob:
      break;
  }
  return std::nullopt;
}

std::shared_ptr<const FieldItemIndex> BuildItemIndex(const FieldItem& item,
                                                     LiteralIdLookup literal_id) {
  auto index = std::make_shared<FieldItemIndex>();
  std::vector<const StringMatcher*> indexable;
  std::vector<std::pair<uint32_t, uint32_t>> indexable_at;
  for (uint32_t v = 0; v < item.values.size(); ++v) {
    for (uint32_t a = 0; a < item.values[v].size(); ++a) {
      const ValueTest& t = item.values[v][a];
      if (t.kind == ValueTest::Kind::kString) {
        const std::optional<LiteralHit> hit = HitAnswering(t.text);
        const std::optional<uint32_t> id =
            hit.has_value() ? literal_id(item.field, t.text.literal(), *hit) : std::nullopt;
        if (id.has_value()) {
          index->by_hits.push_back({.literal = *id, .hit = *hit, .value = v, .alternative = a});
          continue;
        }
        if (!item.all && StringTestSet::Indexable(t.text)) {
          indexable.push_back(&t.text);
          indexable_at.emplace_back(v, a);
          continue;
        }
      }
      if (item.all) return nullptr;  // an `all` item is indexed only when hits answer it all
      index->rest.emplace_back(v, a);
    }
  }
  if (indexable.size() >= kMinIndexedTests) {
    index->strings = StringTestSet::Build(indexable);
  } else {
    index->rest.insert(index->rest.end(), indexable_at.begin(), indexable_at.end());
    std::sort(index->rest.begin(), index->rest.end());  // the rule's order, as the oracle
  }
  if (index->by_hits.empty() && index->strings.size() == 0) return nullptr;
  return index;
}

// A test's gates from the literals it requires: those answered by hits first (one load
// each), then the others, longest first (a search of the value each), at most max_searched of
// those.
std::vector<LiteralGate> Gates(const FieldRef& field, const std::vector<std::string>& required,
                               size_t max_searched, LiteralIdLookup literal_id) {
  std::vector<LiteralGate> by_hits, searched;
  for (const std::string& literal : required) {
    std::optional<uint32_t> id = literal_id(field, literal, kHitAnywhere);
    (id.has_value() ? by_hits : searched).push_back({.literal = literal, .literal_id = id});
  }
  std::stable_sort(searched.begin(), searched.end(),
                   [](const LiteralGate& a, const LiteralGate& b) {
                     return a.literal.size() > b.literal.size();
                   });
  if (searched.size() > max_searched) searched.resize(max_searched);
  by_hits.insert(by_hits.end(), searched.begin(), searched.end());
  return by_hits;
}

// A regex runs only when the literals it requires occur: up to two searched.
constexpr size_t kMaxSearchedRegexGates = 2;
// A glob's search finds its runs itself: only those the hits answer gate it.
constexpr size_t kMaxSearchedGlobGates = 0;

}  // namespace

void IndexFieldItems(DetectionRule& rule, LiteralIdLookup literal_id) {
  for (Selection& selection : rule.selections) {
    for (auto& group : selection.groups) {
      for (FieldItem& item : group) {
        if (item.field.name.empty() || item.values.empty()) continue;
        for (auto& alternatives : item.values) {
          for (ValueTest& t : alternatives) {
            if (t.kind == ValueTest::Kind::kRegex) {
              t.gates = Gates(item.field, t.regex.required_literals(), kMaxSearchedRegexGates,
                              literal_id);
            } else if (t.kind == ValueTest::Kind::kString &&
                       t.text.kind() == StringMatcher::Kind::kGlob) {
              t.gates = Gates(item.field, t.text.glob_runs(), kMaxSearchedGlobGates, literal_id);
            }
          }
        }
        item.index = BuildItemIndex(item, literal_id);
      }
    }
    selection.by_hits = HitSelection::Build(selection);
  }
  if (rule.condition != nullptr) rule.program = ConditionProgram::Compile(*rule.condition);
}

bool RuleEvaluator::ItemMatches(const FieldItem& item, EventView& view) const {
  if (item.field.name.empty()) return KeywordMatches(item, view, use_item_indexes_);
  if (use_item_indexes_ && item.index != nullptr) {
    return IndexedItemMatches(item, *item.index, view);
  }
  std::string_view value;
  uint32_t slot = 0;
  const bool present = view.Find(item.field, &value, &slot);
  if (item.all) {
    for (const auto& v : item.values) {
      if (!AnyAlternative(v, view, present, value, slot, use_item_indexes_)) return false;
    }
    return true;
  }
  for (const auto& v : item.values) {
    if (AnyAlternative(v, view, present, value, slot, use_item_indexes_)) return true;
  }
  return false;
}

bool RuleEvaluator::SelectionMatches(uint32_t index, const DetectionRule& rule, EventView& view) {
  const Selection& selection = rule.selections[index];
  if (use_item_indexes_ && selection.by_hits != nullptr && view.hits_recorded()) {
    // A few loads: cheaper than the memo.
    return selection.by_hits->Matches(
        [&view](uint32_t literal, LiteralHit hit) { return view.Hit(literal, hit); });
  }
  // Its result depends on one field's value only: kept with the value's cache entry.
  if (uint64_t* const words = WordsFor(selection.memo)) {
    return Kept(words, selection.memo.index, [&] { return Groups(selection, view); });
  }
  uint32_t& memo = memo_[index];
  if ((memo >> 1) == memo_generation_) return (memo & 1) != 0;
  const bool result = Groups(selection, view);
  memo = (memo_generation_ << 1) | (result ? 1 : 0);
  return result;
}

bool RuleEvaluator::Groups(const Selection& selection, EventView& view) const {
  for (const auto& group : selection.groups) {
    bool all = true;
    for (const FieldItem& item : group) {
      if (!ItemMatches(item, view)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

bool RuleEvaluator::Node(const ConditionNode& node, const DetectionRule& rule, EventView& view) {
  switch (node.kind) {
    case ConditionNode::Kind::kSelection:
      return SelectionMatches(node.selections[0], rule, view);
    case ConditionNode::Kind::kNot:
      return !Node(*node.children[0], rule, view);
    case ConditionNode::Kind::kAnd:
      for (const auto& c : node.children) {
        if (!Node(*c, rule, view)) return false;
      }
      return true;
    case ConditionNode::Kind::kOr:
      for (const auto& c : node.children) {
        if (Node(*c, rule, view)) return true;
      }
      return false;
    case ConditionNode::Kind::kOfSelections: {
      const size_t needed = node.quantity == 0 ? node.selections.size() : node.quantity;
      size_t hits = 0;
      for (size_t i = 0; i < node.selections.size(); ++i) {
        if (SelectionMatches(node.selections[i], rule, view)) {
          if (++hits >= needed) return true;
        } else if (node.quantity == 0) {
          return false;
        }
      }
      return false;
    }
  }
  return false;
}

bool RuleEvaluator::Matches(const DetectionRule& rule, EventView& view,
                            uint64_t* const* field_memos) {
  field_memos_ = field_memos;
  // Every selection reads one field: the whole answer is kept with its value.
  if (uint64_t* const words = WordsFor(rule.memo)) {
    return Kept(words, rule.memo.index, [&] { return Evaluate(rule, view); });
  }
  return Evaluate(rule, view);
}

bool RuleEvaluator::Evaluate(const DetectionRule& rule, EventView& view) {
  if (memo_.size() < rule.selections.size()) memo_.resize(rule.selections.size(), 0);
  if (++memo_generation_ > (UINT32_MAX >> 1)) {  // wrapped: forget every old result
    std::fill(memo_.begin(), memo_.end(), 0);
    memo_generation_ = 1;
  }
  if (use_item_indexes_ && !rule.program.empty()) {
    return rule.program.Run(
        [&](uint32_t selection) { return SelectionMatches(selection, rule, view); });
  }
  return Node(*rule.condition, rule, view);
}

void SigmaEngine::RouteBuckets(const CompiledSigmaRules& rules, const LogSource& source) {
  if (cached_serial_ == rules.serial() && cached_source_.product == source.product &&
      cached_source_.category == source.category && cached_source_.service == source.service) {
    return;
  }
  if (cached_serial_ != rules.serial()) {
    bucket_field_.clear();
    table_field_ids_.assign(rules.prefilter_field_count(), kFoundByName);
    std::vector<uint32_t> memo_words;
    for (const LogSourceBucket& bucket : rules.buckets()) {
      bucket_field_.push_back(bucket.first_field);
      for (size_t f = 0; f < bucket.prefilter.fields().size(); ++f) {
        const std::optional<FieldId>& id = bucket.prefilter.fields()[f].field.id;
        if (id.has_value()) table_field_ids_[bucket.first_field + f] = static_cast<int16_t>(*id);
      }
      for (const Prefilter::FieldScan& f : bucket.prefilter.fields()) f.scanner.Prepare(scratch_);
      for (const uint32_t n : bucket.memo_indexes) memo_words.push_back(ValueMemoWords(n));
    }
    // Literal ids and memo indexes of the old set mean nothing in this one.
    scan_cache_.Reset(rules.prefilter_field_count(), memo_words);
    field_memos_.assign(rules.prefilter_field_count(), nullptr);
    candidate_memo_.Reset();  // rule indices of the old set
    event_memo_.Reset(rules.buckets().size());
    size_t widest_fields = 0;
    for (const LogSourceBucket& bucket : rules.buckets()) {
      widest_fields = std::max(widest_fields, bucket.prefilter.fields().size());
    }
    lookups_.resize(widest_fields);
    memo_key_.resize(widest_fields);
  }
  cached_serial_ = rules.serial();
  cached_source_ = source;
  cached_buckets_.clear();
  size_t widest = 0;
  for (uint32_t b = 0; b < rules.buckets().size(); ++b) {
    const LogSourceBucket& bucket = rules.buckets()[b];
    widest = std::max(widest, bucket.rules.size());
    if (LogSourceAdmits(bucket.key, source)) cached_buckets_.push_back(b);
  }
  if (stamp_.size() < widest) stamp_.resize(widest, 0);
}

inline bool SigmaEngine::NoteHit(const LogSourceBucket& bucket, uint32_t pattern, uint32_t where,
                                 uint32_t gen) {
  if (!view_.RecordHit(bucket.first_literal + pattern, where)) return false;
  // A literal's rules are noted on its first occurrence only ('.exe' occurs in most command
  // lines several times).
  for (const uint32_t local : bucket.prefilter.pattern_rules(pattern)) {
    if (stamp_[local] != gen) {
      stamp_[local] = gen;
      touched_.push_back(local);
    }
  }
  return true;
}

// Inline: called for every present prefilter field of every event (out of line its call cost
// ≈ 16 instructions in register saves alone).
inline void SigmaEngine::LookUp(uint32_t cache_field, FieldLookup& field) {
  field.entry = {};
  field.cached = scan_cache_.enabled() && scan_cache_.Cacheable(cache_field, field.value);
  if (!field.cached) return;
  field.hash = ScanCache::Hash(field.value);
  scan_cache_.Find(cache_field, field.value, field.hash, &field.entry);
}

// A scan cache entry's hit: (the bucket's literal id << EventView::kHitBits) | where it lay
// (LiteralHit bits), packed by ScanField, unpacked where cached hits are replayed.
constexpr uint32_t PackHit(uint32_t literal, uint32_t where) {
  return (literal << EventView::kHitBits) | where;
}
constexpr uint32_t PackedHitLiteral(uint32_t hit) { return hit >> EventView::kHitBits; }
constexpr uint32_t PackedHitWhere(uint32_t hit) { return hit & ((1u << EventView::kHitBits) - 1); }

void SigmaEngine::ScanField(const LogSourceBucket& bucket, uint32_t field, uint32_t cache_field,
                            const FieldLookup& lookup, uint32_t gen) {
  const Prefilter& pf = bucket.prefilter;
  const Prefilter::FieldScan& f = pf.fields()[field];
  const std::string_view value = lookup.value;
  const bool cached = lookup.cached;
  field_hits_.clear();
  auto on_hit = [&](uint32_t pattern, size_t end) {
    const bool at_start = end == pf.pattern_length(pattern);
    const bool at_end = end == value.size();
    const uint32_t where = kHitAnywhere | (at_start ? kHitAtStart : 0) | (at_end ? kHitAtEnd : 0) |
                           (at_start && at_end ? kHitWhole : 0);
    if (NoteHit(bucket, pattern, where, gen) && cached) field_hits_.push_back(pattern);
  };
  if (f.scanned_count > 0) {
    f.scanner.Scan(value, scratch_,
                   [&](uint32_t pattern, size_t end) { on_hit(f.first_pattern + pattern, end); });
  }
  f.anchored.Scan(value,
                  [&](uint32_t literal, size_t end) { on_hit(f.first_anchored + literal, end); });
  if (!cached) return;
  // Every occurrence's bits, as the scan left them.
  for (uint32_t& h : field_hits_) {
    h = PackHit(h, view_.HitBits(bucket.first_literal + h));
  }
  field_memos_[cache_field] = scan_cache_.Insert(cache_field, value, lookup.hash, field_hits_).memo;
}

inline bool SigmaEngine::EvaluateCandidate(const CompiledSigmaRules& rules, uint32_t r,
                                           std::vector<uint32_t>* matched) {
  if (!evaluator_.Matches(rules.rules()[r], view_, field_memos_.data())) return false;
  matched->push_back(r);
  ++stats_.matches;
  return true;
}

bool SigmaEngine::MatchMemoised(const CompiledSigmaRules& rules, const LogSourceBucket& bucket,
                                uint32_t b, uint64_t key_hash, std::vector<uint32_t>* matched) {
  CandidateMemo::Kept kept;
  const std::span<const uint64_t> key(memo_key_.data(), bucket.prefilter.fields().size());
  if (!candidate_memo_.Find(b, key, key_hash, &kept)) return false;
  if (kept.reads_hits) {
    // The evaluation reads the hit records; the literals' rules are known already.
    for (size_t f = 0; f < key.size(); ++f) {
      for (const uint32_t h : lookups_[f].entry.hits) {
        view_.RecordHit(bucket.first_literal + PackedHitLiteral(h), PackedHitWhere(h));
      }
    }
  } else {
    ++stats_.replays_skipped;
  }
  OutputKept(rules, kept, matched);
  // Evicted from the event memo while its scan cache entries stayed: kept there again.
  KeepWholeEvent(b, kept);
  return true;
}

void SigmaEngine::KeepWholeEvent(uint32_t b, const CandidateMemo::Kept& kept) {
  const uint32_t first = bucket_field_[b];
  event_memo_.Insert(
      b, event_key_, [this](size_t f) { return lookups_[f].value; },
      [this, first](size_t f, ScanCache::Place* place) {
        const uint32_t field = first + static_cast<uint32_t>(f);
        // A field that never evicted keeps its values unmarked.
        if (!scan_cache_.Evicting(field)) return false;
        *place = scan_cache_.PlaceOf(field, lookups_[f].entry);
        return true;
      },
      kept);
}

void SigmaEngine::OutputKept(const CompiledSigmaRules& rules, const CandidateMemo::Kept& kept,
                             std::vector<uint32_t>* matched) {
  candidates_.insert(candidates_.end(), kept.candidates.begin(), kept.candidates.end());
  const size_t count = kept.candidates.size();
  if (kept.AllDetermined()) {
    // Nothing to evaluate (every memo hit of the bench): the matches alone, in candidate order,
    // with no test per candidate.
    stats_.memo_results += count;
    stats_.matches += static_cast<uint64_t>(std::popcount(kept.matched));
    for (uint64_t m = kept.matched; m != 0; m &= m - 1) {
      matched->push_back(kept.candidates[std::countr_zero(m)]);
    }
    return;
  }
  for (size_t i = 0; i < count; ++i) {
    const uint32_t r = kept.candidates[i];
    const uint64_t bit = uint64_t{1} << i;
    if ((kept.determined & bit) == 0) {
      EvaluateCandidate(rules, r, matched);
      continue;
    }
    ++stats_.memo_results;
    if ((kept.matched & bit) != 0) {
      matched->push_back(r);
      ++stats_.matches;
    }
  }
}

bool SigmaEngine::MatchWholeEvent(const CompiledSigmaRules& rules, const LogSourceBucket& bucket,
                                  uint32_t b, std::vector<uint32_t>* matched) {
  const Prefilter& pf = bucket.prefilter;
  const size_t fields = pf.fields().size();
  const Event& event = view_.event();
  const int16_t* const table_ids = table_field_ids_.data() + bucket.first_field;
  EventMemo::Key key;
  key.Build(b, fields, [&](size_t f, bool* present) {
    FieldLookup& lookup = lookups_[f];
    // Absent fields take no hit. The scanners fold case themselves: the value is lowercased
    // only if a test needs it.
    if (table_ids[f] != kFoundByName) [[likely]] {
      const auto id = static_cast<FieldId>(table_ids[f]);
      lookup.present = event.Has(id);
      lookup.value = event.Get(id);  // empty when absent
    } else {
      uint32_t slot = 0;
      lookup.value = {};
      lookup.present = view_.Find(pf.fields()[f].field, &lookup.value, &slot);
    }
    *present = lookup.present;
    return lookup.value;
  });
  CandidateMemo::Kept kept;
  // A hit marks the values' scan cache slots used, as their lookups would have.
  const auto touch = [this, first = bucket.first_field](size_t f, ScanCache::Place place) {
    scan_cache_.Touch(first + static_cast<uint32_t>(f), place);
  };
  if (!event_memo_.Find(
          b, key, [this](size_t f) { return lookups_[f].value; }, touch, &kept)) {
    event_key_ = key;  // kept with the answer once the bucket is matched
    return false;
  }
  if (!kept.AllDetermined()) {
    // No value looked up: the candidates evaluated read no results kept per value.
    for (uint32_t f = 0; f < fields; ++f) field_memos_[bucket.first_field + f] = nullptr;
  }
  OutputKept(rules, kept, matched);
  return true;
}

void SigmaEngine::MatchBucket(const CompiledSigmaRules& rules, uint32_t b,
                              std::vector<uint32_t>* matched) {
  const LogSourceBucket& bucket = rules.buckets()[b];
  const Prefilter& pf = bucket.prefilter;
  const size_t fields = pf.fields().size();
  // The whole answer may be known for these values: no scan cache lookup then.
  const bool use_event_memo =
      event_memo_.enabled() && fields <= EventMemo::kMaxFields && event_memo_.ShouldLookUp(b);
  event_key_.hash = 0;
  if (use_event_memo && MatchWholeEvent(rules, bucket, b, matched)) return;
  // Each present field's value looked up in the scan cache: when all were found, the bucket's
  // candidates (and the results of those the key determines) may be known for that
  // combination of values, and the event's answer is kept for its values (a value seen once
  // is not in the cache: one-off command lines do not evict recurring events' answers).
  bool all_found = fields <= CandidateMemo::kMaxFields;
  for (uint32_t f = 0; f < fields; ++f) {
    FieldLookup& lookup = lookups_[f];
    if (!use_event_memo) {  // else read by MatchWholeEvent
      uint32_t slot = 0;
      // Absent fields take no hit. The scanners fold case themselves: the value is lowercased
      // only if a test needs it.
      lookup.present = view_.Find(pf.fields()[f].field, &lookup.value, &slot);
    }
    if (lookup.present) {
      LookUp(bucket.first_field + f, lookup);
      all_found = all_found && lookup.entry.serial != 0;
    } else {
      lookup.entry = {};
    }
    field_memos_[bucket.first_field + f] = lookup.entry.memo;
    memo_key_[f] = lookup.entry.serial;
  }
  const std::span<const uint64_t> key(memo_key_.data(), fields);
  uint64_t key_hash = 0;
  if (all_found && candidate_memo_.enabled()) {
    key_hash = CandidateMemo::Hash(b, key);
    if (MatchMemoised(rules, bucket, b, key_hash, matched)) return;
  }
  if (++stamp_generation_ == 0) {  // wrapped: forget every old stamp
    std::fill(stamp_.begin(), stamp_.end(), 0);
    stamp_generation_ = 1;
  }
  const uint32_t gen = stamp_generation_;
  const size_t first = candidates_.size();
  touched_.clear();
  for (uint32_t f = 0; f < fields; ++f) {
    const FieldLookup& lookup = lookups_[f];
    if (!lookup.present) continue;
    if (lookup.entry.serial == 0) {
      ScanField(bucket, f, bucket.first_field + f, lookup, gen);
      continue;
    }
    for (const uint32_t h : lookup.entry.hits) {
      NoteHit(bucket, PackedHitLiteral(h), PackedHitWhere(h), gen);
    }
  }
  for (uint32_t local : touched_) {
    if (pf.OtherClausesHit(
            local, [&](uint32_t pattern) { return view_.Seen(bucket.first_literal + pattern); })) {
      candidates_.push_back(bucket.rules[local]);
    }
  }
  for (uint32_t local : pf.always()) candidates_.push_back(bucket.rules[local]);
  std::sort(candidates_.begin() + first, candidates_.end());
  const std::span<const uint32_t> found(candidates_.data() + first, candidates_.size() - first);
  if (!all_found || found.size() > CandidateMemo::kMaxCandidates) {
    for (const uint32_t r : found) EvaluateCandidate(rules, r, matched);
    return;
  }
  // Kept for the key: the candidates, and the results of those the key determines.
  CandidateMemo::Kept kept{.candidates = found, .reads_hits = false};
  for (size_t i = 0; i < found.size(); ++i) {
    const DetectionRule& rule = rules.rules()[found[i]];
    const bool match = EvaluateCandidate(rules, found[i], matched);
    if (rule.determined_by_key) {
      kept.determined |= uint64_t{1} << i;
      if (match) kept.matched |= uint64_t{1} << i;
    } else {
      kept.reads_hits = kept.reads_hits || rule.reads_hits;
    }
  }
  candidate_memo_.Insert(b, key, key_hash, kept);
  KeepWholeEvent(b, kept);
}

void SigmaEngine::Match(const CompiledSigmaRules& rules, const Event& event,
                        std::vector<uint32_t>* matched) {
  ++stats_.events;
  RouteBuckets(rules, event.source());
  if (cached_buckets_.empty()) return;
  view_.Reset(event);
  view_.StartHits(rules.literal_count());
  candidates_.clear();
  const size_t first_match = matched->size();
  // Bucket by bucket: a bucket's memo entry is kept only after its candidates are evaluated.
  for (const uint32_t b : cached_buckets_) MatchBucket(rules, b, matched);
  if (cached_buckets_.size() > 1) {  // each bucket's in rule order: merge them
    std::sort(candidates_.begin(), candidates_.end());
    std::sort(matched->begin() + static_cast<std::ptrdiff_t>(first_match), matched->end());
  }
  stats_.candidates += candidates_.size();
}

void RuleByRuleEngine::Match(const CompiledSigmaRules& rules, const Event& event,
                             std::vector<uint32_t>* matched) {
  view_.Reset(event);
  for (uint32_t r = 0; r < rules.rules().size(); ++r) {
    const DetectionRule& rule = rules.rules()[r];
    if (!LogSourceAdmits(rule.logsource, event.source())) continue;
    if (evaluator_.Matches(rule, view_)) matched->push_back(r);
  }
}

}  // namespace otasuke::agent::sigma
