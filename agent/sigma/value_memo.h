#pragma once
// Evaluation results kept per cached field value. A selection whose items all read one
// prefilter field (no keyword, no `fieldref` to another field) gives the same answer for every
// event that carries the same value in that field; so does a rule all of whose selections read
// that field. The compiler gives each such selection or rule a small dense index among those
// of its bucket keyed by the same field (`AssignValueMemos`), and SigmaEngine keeps, with each
// value in that field's scan cache entry (scan_cache.h), a known bit and a result bit per
// index: an event whose value hits the cache answers them by a bit test. The bits are cleared
// when a slot takes a new value and forgotten with the entries on a rule set swap.

#include <cstdint>
#include <vector>

#include "agent/sigma/rule.h"

namespace otasuke::agent::sigma {

struct LogSourceBucket;  // compiled_rules.h

// Per slot: for each 64 indexes, a word of known bits then a word of result bits.
inline constexpr uint32_t ValueMemoWords(uint32_t indexes) { return (indexes + 63) / 64 * 2; }

// Whether words (a slot's memo) knows the result of index; sets *result if so.
inline bool ValueMemoKnown(const uint64_t* words, uint32_t index, bool* result) {
  const uint64_t* pair = words + (index >> 6) * 2;
  const uint64_t bit = uint64_t{1} << (index & 63);
  if ((pair[0] & bit) == 0) return false;
  *result = (pair[1] & bit) != 0;
  return true;
}

inline void ValueMemoStore(uint64_t* words, uint32_t index, bool result) {
  uint64_t* pair = words + (index >> 6) * 2;
  const uint64_t bit = uint64_t{1} << (index & 63);
  pair[0] |= bit;
  pair[1] = result ? pair[1] | bit : pair[1] & ~bit;
}

// Gives the bucket's single-field selections (those not already answered by hit bits alone)
// and single-field rules their ValueMemo, keyed by the set-wide prefilter field id
// (bucket.first_field + the field's position), and sets bucket.memo_indexes. A rule with a
// memo needs none for its selections.
void AssignValueMemos(LogSourceBucket& bucket, std::vector<DetectionRule>& rules);

}  // namespace otasuke::agent::sigma
