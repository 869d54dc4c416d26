#pragma once
// A per-thread cache of the prefilter's scan results, keyed by a field's value. Process
// streams repeat heavily (the same images, parents, hashes, service command lines), and what
// a field's scanner finds in a value depends on nothing else: the cache maps (cached field,
// value) to the distinct literals found in it, each with where it lay (rule.h LiteralHit
// bits), so SigmaEngine replays them instead of scanning the value again.
//
// Bounded and allocation-free in steady state: each cached field has a fixed table of
// `entries_per_field` slots of kSlotBytes (allocated on the field's first insert), in sets of
// kWays slots chosen by the value's hash; a new value replaces a slot chosen by a clock hand
// per set (second chance: a slot hit since the hand last passed is skipped once). A value
// whose bytes and hits do not fit a slot is scanned every time (counted as uncacheable).
// The cache never lives in the compiled rule set: Reset() (on a rule set swap) forgets every
// entry by a generation counter, since literal ids belong to one compiled set.
//
// A field may also keep, per slot, a few words of evaluation results for its value
// (value_memo.h): cleared when the slot takes a new value, handed out by Find and Insert.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "agent/sigma/value_bytes.h"

namespace otasuke::agent::sigma {

// What SigmaEngine keeps unless told otherwise (config key sigma.scan_cache_entries).
inline constexpr uint32_t kDefaultScanCacheEntries = 256;
inline constexpr uint32_t kMaxScanCacheEntries = 65536;

struct ScanCacheStats {
  uint64_t lookups = 0;      // values looked up (cacheable or not)
  uint64_t hits = 0;         // answered from the cache
  uint64_t inserts = 0;      // scanned values stored
  uint64_t evictions = 0;    // stored values replaced by newer ones
  uint64_t uncacheable = 0;  // values (with their hits) larger than a slot: always scanned
  uint64_t bypassed = 0;     // scanned without a lookup: the field's values were not recurring
};

class ScanCache {
 public:
  // Bytes per slot: the value's bytes plus 4 per distinct literal hit must fit.
  static constexpr size_t kSlotBytes = 512;
  static constexpr size_t kWays = 8;

  // entries_per_field is rounded up to a multiple of kWays; 0 turns the cache off.
  explicit ScanCache(uint32_t entries_per_field);

  bool enabled() const { return sets_ > 0; }
  // Forgets every entry and sizes the cache for `fields` cached fields (a new rule set), with
  // memo_words[f] words of evaluation results per slot of field f (none when memo_words is
  // shorter); tables of fields beyond that are freed, the others kept for reuse.
  void Reset(size_t fields, std::span<const uint32_t> memo_words = {});

  // A field whose values do not recur (command lines that each carry a one-off token) would
  // pay a lookup and an insert per value for nothing: after kMissRun lookups in a row without
  // a hit, its next kBypassValues values are scanned without the cache, then it is looked up
  // again. Answers never change, only what they cost.
  static constexpr uint32_t kMissRun = 256;
  static constexpr uint32_t kBypassValues = 4096;

  // Whether to look the value up (and store it after a scan): not when its bytes exceed a
  // slot (counted as uncacheable) or the field is bypassed (counted as bypassed). Counts the
  // lookup either way. Inline, one test on the common path: called for every present
  // prefilter field of every event.
  bool Cacheable(uint32_t field, std::string_view value) {
    FieldTable& t = tables_[field];
    ++t.stats.lookups;
    if (value.size() <= kSlotBytes && t.bypass_left == 0) [[likely]] {
      return true;
    }
    return NotLookedUp(t);
  }
  // A hash of the value's length and its first and last 16 bytes (all of a shorter value):
  // it only picks the set and filters slots before the full byte comparison, so values that
  // share those bytes cost a comparison, never a wrong answer, and hashing costs the same
  // for any length (command lines differ at their ends: arguments, tokens, file names).
  static uint64_t Hash(std::string_view value) {
    using value_bytes::Load8;
    constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
    constexpr uint64_t kMul2 = 0xff51afd7ed558ccdull;
    const char* p = value.data();
    const size_t n = value.size();
    uint64_t a = 0, b = 0, c = 0, d = 0;
    if (n >= 16) {
      a = Load8(p);
      b = Load8(p + 8);
      c = Load8(p + n - 16);
      d = Load8(p + n - 8);
    } else if (n >= 8) {
      a = Load8(p);
      b = Load8(p + n - 8);
    } else {
      a = value_bytes::LoadUpTo7(p, n);
    }
    // Two independent products (the 16 bytes of each end folded first), then one fold of the
    // high half, which SetOf reads, into the low.
    uint64_t h = ((a ^ std::rotl(c, 29) ^ n) * kMul) ^ ((b ^ std::rotl(d, 31)) * kMul2);
    h ^= h >> 32;
    return h;
  }
  // A stored value: its hits ((local literal id << 4) | LiteralHit bits), its evaluation result
  // words (null when the field keeps none), and its serial: unique per stored value in this
  // cache's life, never reused (candidate_memo.h keys by it); 0 when not stored.
  struct Entry {
    std::span<const uint32_t> hits;
    uint64_t* memo = nullptr;
    uint64_t serial = 0;
  };
  // Where a stored entry lies, for Touch: its slot in the field's table (found from where its
  // hits lie, so that lookups carry nothing more) and its serial's low 32 bits.
  struct Place {
    uint32_t slot = 0;
    uint32_t serial = 0;
  };
  Place PlaceOf(uint32_t field, const Entry& entry) const {
    return {
        .slot = static_cast<uint32_t>((entry.hits.data() - tables_[field].data.get()) / kSlotWords),
        .serial = static_cast<uint32_t>(entry.serial)};
  }
  // The entry stored for the value, or false.
  // Inline: called for every present prefilter field of every event.
  bool Find(uint32_t field, std::string_view value, uint64_t hash, Entry* entry) {
    FieldTable& t = tables_[field];
    if (t.slots == nullptr) return false;
    const size_t first = SetOf(hash) * kWays;
    for (size_t s = first; s < first + kWays; ++s) {
      Slot& slot = t.slots[s];
      if (slot.hash != hash || slot.generation != generation_ || slot.value_bytes != value.size()) {
        continue;
      }
      const uint32_t* words = &t.data[s * kSlotWords];
      const char* bytes = reinterpret_cast<const char*>(words + slot.hit_count);
      if (!value_bytes::SameBytes(bytes, value.data(), value.size())) continue;
      slot.referenced = true;
      ++t.stats.hits;
      t.misses_in_a_row = 0;
      *entry = {.hits = std::span<const uint32_t>(words, slot.hit_count),
                .memo = MemoOf(t, s),
                .serial = slot.serial};
      return true;
    }
    return false;
  }
  // Marks the field's slot as just used, as a Find of its value would, when it still holds the
  // value of that serial (its low 32 bits: a wrong match after 2^32 inserts only spares one
  // slot a turn of the clock). place: PlaceOf the value's entry when it was found. For the event
  // memo (event_memo.h), which answers recurring events without looking their values up: unmarked,
  // those values would be evicted by one-off ones. No hash, no byte comparison. Inline: per present
  // field of every event memo hit.
  void Touch(uint32_t field, Place place) {
    Slot& s = tables_[field].slots[place.slot];
    if (static_cast<uint32_t>(s.serial) == place.serial) s.referenced = true;
  }
  // Stores a scanned value's hits (counted as uncacheable when they do not fit the slot).
  // Returns the new entry, its evaluation results all unknown (serial 0 when not stored).
  Entry Insert(uint32_t field, std::string_view value, uint64_t hash,
               std::span<const uint32_t> hits);

  // Whether the field has replaced a stored value yet: until then no slot needs marking.
  bool Evicting(uint32_t field) const { return tables_[field].stats.evictions != 0; }
  const ScanCacheStats& stats(uint32_t field) const { return tables_[field].stats; }
  size_t field_count() const { return tables_.size(); }
  size_t memory_bytes() const;

 private:
  struct Slot {
    uint64_t hash = 0;
    uint64_t serial = 0;
    uint32_t generation = 0;  // valid when equal to generation_
    uint16_t value_bytes = 0;
    uint8_t hit_count = 0;
    bool referenced = false;  // hit since the clock hand last passed
  };
  static constexpr size_t kSlotWords = kSlotBytes / sizeof(uint32_t);
  struct FieldTable {
    std::unique_ptr<Slot[]> slots;  // sets_ * kWays, allocated on the first insert
    // Per slot kSlotWords words: the hits, then the value's bytes.
    std::unique_ptr<uint32_t[]> data;
    std::unique_ptr<uint8_t[]> hands;  // per set: the next way the clock looks at
    uint32_t memo_words = 0;           // evaluation result words per slot
    std::unique_ptr<uint64_t[]> memo;  // sets_ * kWays * memo_words, on the first insert
    ScanCacheStats stats;
    uint32_t misses_in_a_row = 0;  // lookups since the last hit
    uint32_t bypass_left = 0;      // values still to scan without the cache
  };
  bool NotLookedUp(FieldTable& t);  // counts why; false
  static uint64_t* MemoOf(FieldTable& t, size_t slot) {
    return t.memo == nullptr ? nullptr : &t.memo[slot * t.memo_words];
  }
  size_t SetOf(uint64_t hash) const { return static_cast<size_t>(((hash >> 32) * sets_) >> 32); }

  size_t sets_ = 0;
  uint32_t generation_ = 1;
  uint64_t next_serial_ = 1;  // never reset: a serial names one stored value for good
  std::vector<FieldTable> tables_;
};

}  // namespace otasuke::agent::sigma
