#include "agent/sigma/candidate_memo.h"

#include <algorithm>
#include <bit>

#include "agent/sigma/compiled_rules.h"

namespace otasuke::agent::sigma {

namespace {

bool IsPrefilterField(const FieldRef& field, const Prefilter& prefilter) {
  for (const Prefilter::FieldScan& f : prefilter.fields()) {
    if (f.field == field) return true;
  }
  return false;
}

// Whether every field the rule reads is one of the prefilter's fields (whose scan cache
// entries make up the candidate memo's key): no keyword (it reads every value), no fieldref
// to another field, nothing outside them. A field's presence is part of the key (serial 0).
bool ReadsOnlyPrefilterFields(const DetectionRule& rule, const Prefilter& prefilter) {
  for (const Selection& selection : rule.selections) {
    for (const auto& group : selection.groups) {
      for (const FieldItem& item : group) {
        if (item.field.name.empty() || !IsPrefilterField(item.field, prefilter)) return false;
        for (const auto& alternatives : item.values) {
          for (const ValueTest& t : alternatives) {
            if (t.kind == ValueTest::Kind::kFieldRef && !IsPrefilterField(t.other, prefilter)) {
              return false;
            }
          }
        }
      }
    }
  }
  return true;
}

// Whether SigmaEngine's evaluator may read the hit records for the rule: a selection answered
// by hit bits, an item test answered by a hit, a regex or glob gated by a scanned literal.
bool ReadsHits(const DetectionRule& rule) {
  for (const Selection& selection : rule.selections) {
    if (selection.by_hits != nullptr) return true;
    for (const auto& group : selection.groups) {
      for (const FieldItem& item : group) {
        if (item.index != nullptr && !item.index->by_hits.empty()) return true;
        for (const auto& alternatives : item.values) {
          for (const ValueTest& t : alternatives) {
            for (const LiteralGate& gate : t.gates) {
              if (gate.literal_id.has_value()) return true;
            }
          }
        }
      }
    }
  }
  return false;
}

}  // namespace

void MarkKeyDeterminedRules(const LogSourceBucket& bucket, std::vector<DetectionRule>& rules) {
  for (const uint32_t r : bucket.rules) {
    DetectionRule& rule = rules[r];
    rule.determined_by_key = ReadsOnlyPrefilterFields(rule, bucket.prefilter);
    rule.reads_hits = ReadsHits(rule);
  }
}

CandidateMemo::CandidateMemo(uint32_t entries) : sets_((entries + kWays - 1) / kWays) {}

void CandidateMemo::Reset() {
  for (Slot& slot : slots_) slot.valid = false;
  lookups_ = hits_ = 0;
}

uint64_t CandidateMemo::Hash(uint32_t bucket, std::span<const uint64_t> key) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
  uint64_t h = (bucket + 1) * kMul;
  for (const uint64_t serial : key) h = (std::rotl(h, 23) ^ serial) * kMul;
  h ^= h >> 33;  // murmur3's final mix: every input bit reaches the high bits SetOf uses
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

bool CandidateMemo::Find(uint32_t bucket, std::span<const uint64_t> key, uint64_t hash,
                         Kept* kept) {
  ++lookups_;
  if (slots_.empty()) return false;
  const size_t first = SetOf(hash) * kWays;
  for (size_t s = first; s < first + kWays; ++s) {
    const Slot& slot = slots_[s];
    if (!slot.valid || slot.hash != hash || slot.bucket != bucket || slot.fields != key.size() ||
        !std::equal(key.begin(), key.end(), slot.key.begin())) {
      continue;
    }
    ++hits_;
    *kept = {.candidates = std::span<const uint32_t>(slot.candidates.data(), slot.candidate_count),
             .determined = slot.determined,
             .matched = slot.matched,
             .reads_hits = slot.reads_hits};
    return true;
  }
  return false;
}

void CandidateMemo::Insert(uint32_t bucket, std::span<const uint64_t> key, uint64_t hash,
                           const Kept& kept) {
  const std::span<const uint32_t> candidates = kept.candidates;
  if (!enabled() || key.size() > kMaxFields || candidates.size() > kMaxCandidates) return;
  if (slots_.empty()) {  // the first insert: the whole table, once
    slots_.resize(sets_ * kWays);
    hands_.assign(sets_, 0);
  }
  const size_t set = SetOf(hash);
  Slot& slot = slots_[set * kWays + hands_[set]];
  hands_[set] = static_cast<uint8_t>((hands_[set] + 1) % kWays);
  slot.hash = hash;
  slot.bucket = bucket;
  slot.fields = static_cast<uint8_t>(key.size());
  slot.candidate_count = static_cast<uint8_t>(candidates.size());
  slot.valid = true;
  slot.determined = kept.determined & CandidateMemo::Kept::ListBits(candidates.size());
  slot.matched = kept.matched & slot.determined;
  slot.reads_hits = kept.reads_hits;
  std::copy(key.begin(), key.end(), slot.key.begin());
  std::copy(candidates.begin(), candidates.end(), slot.candidates.begin());
}

}  // namespace otasuke::agent::sigma
