#include "agent/sigma/event_memo.h"

#include <algorithm>
#include <cstring>

#include "agent/sigma/scan_cache.h"

namespace otasuke::agent::sigma {

EventMemo::EventMemo(uint32_t entries) : sets_((entries + kWays - 1) / kWays) {}

void EventMemo::Reset(size_t buckets) {
  std::fill(tags_.begin(), tags_.end(), 0);
  window_lookups_.assign(buckets, 0);
  window_hits_.assign(buckets, 0);
  bypass_left_.assign(buckets, 0);
  lookups_ = hits_ = bypassed_ = too_large_ = 0;
}

void EventMemo::EndWindow(uint32_t bucket) {
  if (window_hits_[bucket] * 2 < window_lookups_[bucket]) {
    bypass_left_[bucket] = ScanCache::kBypassValues;
  }
  window_lookups_[bucket] = window_hits_[bucket] = 0;
}

void EventMemo::Insert(uint32_t bucket, const Key& key, ValueOf value_of, PlaceOf place_of,
                       const CandidateMemo::Kept& kept) {
  const std::span<const uint32_t> candidates = kept.candidates;
  if (!enabled() || key.hash == 0 || kept.reads_hits || candidates.size() > kMaxCandidates) {
    return;
  }
  if (key.bytes > kKeyBytes) return;  // counted by Find
  if (slots_.empty()) {               // the first insert: the whole table, once
    tags_.assign(sets_ * kWays, 0);
    slots_.resize(sets_ * kWays);
    keys_.resize(sets_ * kWays * kKeyBytes);
    hands_.assign(sets_, 0);
  }
  const size_t set = SetOf(key.hash);
  const size_t s = set * kWays + hands_[set];
  hands_[set] = static_cast<uint8_t>((hands_[set] + 1) % kWays);
  Slot& slot = slots_[s];
  tags_[s] = key.hash;
  slot.bucket = bucket;
  slot.candidate_count = static_cast<uint8_t>(candidates.size());
  slot.determined = kept.determined & CandidateMemo::Kept::ListBits(candidates.size());
  slot.matched = kept.matched & slot.determined;
  slot.lengths = key.lengths;
  slot.touch_count = 0;
  for (size_t f = 0; f < key.fields; ++f) {
    if (key.lengths[f] == 0 || !place_of(f, &slot.places[slot.touch_count])) continue;
    slot.touch_fields[slot.touch_count++] = static_cast<uint8_t>(f);
  }
  char* bytes = &keys_[s * kKeyBytes];
  for (size_t f = 0; f < key.fields; ++f) {
    if (key.lengths[f] <= 1) continue;  // absent or empty (an empty view's data may be null)
    std::memcpy(bytes, value_of(f).data(), key.lengths[f] - 1);
    bytes += key.lengths[f] - 1;
  }
  std::copy(candidates.begin(), candidates.end(), slot.candidates.begin());
}

}  // namespace otasuke::agent::sigma
