#include "agent/sigma/scan_cache.h"

#include <algorithm>
#include <cstring>

namespace otasuke::agent::sigma {

ScanCache::ScanCache(uint32_t entries_per_field)
    : sets_((std::min(entries_per_field, kMaxScanCacheEntries) + kWays - 1) / kWays) {}

void ScanCache::Reset(size_t fields, std::span<const uint32_t> memo_words) {
  tables_.resize(fields);
  for (size_t f = 0; f < fields; ++f) {
    FieldTable& t = tables_[f];
    t.stats = {};
    t.misses_in_a_row = t.bypass_left = 0;
    const uint32_t words = f < memo_words.size() ? memo_words[f] : 0;
    if (words != t.memo_words) {  // another rule set's layout: allocated again on first insert
      t.memo.reset();
      t.memo_words = words;
    }
  }
  if (++generation_ == 0) {  // wrapped: no old entry may look valid
    for (FieldTable& t : tables_) {
      if (t.slots != nullptr) std::fill_n(t.slots.get(), sets_ * kWays, Slot{});
    }
    generation_ = 1;
  }
}

bool ScanCache::NotLookedUp(FieldTable& t) {
  if (t.bypass_left > 0) {
    --t.bypass_left;
    ++t.stats.bypassed;
    return false;
  }
  ++t.stats.uncacheable;  // larger than a slot
  return false;
}

ScanCache::Entry ScanCache::Insert(uint32_t field, std::string_view value, uint64_t hash,
                                   std::span<const uint32_t> hits) {
  FieldTable& t = tables_[field];
  // Inserted: its lookup missed.
  if (++t.misses_in_a_row >= kMissRun) {
    t.misses_in_a_row = 0;
    t.bypass_left = kBypassValues;
  }
  if (hits.size() * sizeof(uint32_t) + value.size() > kSlotBytes) {
    ++t.stats.uncacheable;
    return {};
  }
  if (t.slots == nullptr) {  // the field's first insert: its whole table, once
    t.slots = std::make_unique<Slot[]>(sets_ * kWays);
    t.data = std::make_unique<uint32_t[]>(sets_ * kWays * kSlotWords);
    t.hands = std::make_unique<uint8_t[]>(sets_);
  }
  if (t.memo == nullptr && t.memo_words > 0) {
    t.memo = std::make_unique<uint64_t[]>(sets_ * kWays * t.memo_words);
  }
  const size_t set = SetOf(hash);
  uint8_t& hand = t.hands[set];
  size_t victim = 0;
  for (;;) {  // second chance: ends within two turns, clearing reference bits as it passes
    Slot& slot = t.slots[set * kWays + hand];
    const size_t way = hand;
    hand = static_cast<uint8_t>((hand + 1) % kWays);
    if (slot.generation != generation_ || !slot.referenced) {
      victim = set * kWays + way;
      break;
    }
    slot.referenced = false;
  }
  Slot& slot = t.slots[victim];
  if (slot.generation == generation_) ++t.stats.evictions;
  slot = {.hash = hash,
          .serial = next_serial_++,
          .generation = generation_,
          .value_bytes = static_cast<uint16_t>(value.size()),
          .hit_count = static_cast<uint8_t>(hits.size()),
          .referenced = false};
  uint32_t* words = &t.data[victim * kSlotWords];
  std::copy(hits.begin(), hits.end(), words);
  if (!value.empty()) {
    std::memcpy(reinterpret_cast<char*>(words + hits.size()), value.data(), value.size());
  }
  ++t.stats.inserts;
  uint64_t* memo = MemoOf(t, victim);
  if (memo != nullptr) std::fill_n(memo, t.memo_words, 0);  // nothing known of the new value
  return {
      .hits = std::span<const uint32_t>(words, hits.size()), .memo = memo, .serial = slot.serial};
}

size_t ScanCache::memory_bytes() const {
  size_t bytes = tables_.capacity() * sizeof(FieldTable);
  for (const FieldTable& t : tables_) {
    if (t.slots != nullptr) bytes += sets_ * (kWays * (sizeof(Slot) + kSlotBytes) + 1);
    if (t.memo != nullptr) bytes += sets_ * kWays * t.memo_words * sizeof(uint64_t);
  }
  return bytes;
}

}  // namespace otasuke::agent::sigma
