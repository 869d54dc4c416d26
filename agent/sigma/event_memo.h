#pragma once
// A per-thread memo of a bucket's answer for a whole event, keyed by the bytes of the bucket's
// prefilter fields. The candidate memo (candidate_memo.h) keys the same answer by the scan
// cache serials of those values, so an event it answers still pays one scan cache lookup per
// field (hash, probe, byte comparison: ≈ 110 instructions each, 15 fields in the Windows
// process-creation bucket) and the memo's own hash and probe. This memo sits in front of those
// lookups: one pass over the event's values (a digest of each value's ends, folded into one
// hash), one probe, and one byte-for-byte comparison against the stored key.
//
// What it keeps is exactly what the candidate memo keeps (CandidateMemo::Kept): the bucket's
// candidates, which of them the key determines (MarkKeyDeterminedRules: rules that read
// nothing but the bucket's prefilter fields) and which of those matched. The key holds every
// prefilter field's bytes and whether it is present (absent and empty differ), so it names all
// a determined rule reads; SigmaEngine evaluates the other candidates on a hit. An answer
// whose other candidates read the hit records is not kept: on a hit there are none (no field
// was scanned or looked up). SigmaEngine keeps an answer only when every present value was
// found in the scan cache, i.e. had been met before: one-off command lines would otherwise
// evict the recurring events' answers (on the repeat stream 42.7 % answered instead of 61.5 %).
//
// Bounded and allocation-free after the first insert: `entries` slots in sets of kWays chosen
// by the key's hash, round-robin replacement per set, each slot with room for kKeyBytes of
// values; larger keys, longer candidate lists and buckets of more than kMaxFields prefilter
// fields are not kept. A miss costs the key (≈ 580 instructions), a hit saves ≈ 1,300, so a
// bucket whose events mostly miss (new command lines, or more recurring combinations than the
// memo holds) is bypassed: when fewer than half of its last ScanCache::kMissRun lookups hit,
// its next ScanCache::kBypassValues events are matched without the memo (the scan cache's
// numbers; it bypasses a field only after kMissRun misses in a row, which here would keep a
// memo hitting 45 % of the time: +347 on the repeat stream at 256 entries). Reset() (rule
// set swap) forgets every entry: its rule indices belong to one compiled set.
//
// A hit looks no value up, so it would leave the values' scan cache slots unmarked and the
// recurring command lines it answers would be evicted there by one-off ones (which then miss
// the scan cache and this memo alike: Hyperscan scans per 70,000 repeat-stream events 20,038 ->
// 21,121). Each entry therefore remembers per field the scan cache slot its value was found in
// and the serial it held, and a hit marks those slots used (ScanCache::Touch) when they still
// hold those values: only for the fields whose scan cache had evicted a value when the answer
// was kept (the repeat stream's command lines; marking all 15 fields cost as much as the scans
// it saved).

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "agent/sigma/candidate_memo.h"
#include "agent/sigma/scan_cache.h"
#include "agent/sigma/value_bytes.h"

namespace otasuke::agent::sigma {

// What SigmaEngine keeps unless told otherwise: as many recurring process starts as the
// candidate memo (kDefaultCandidateMemoEntries), ≈ 1.4 KiB each (0.70 MiB per thread).
inline constexpr uint32_t kDefaultEventMemoEntries = 512;

class EventMemo {
 public:
  static constexpr size_t kMaxFields = CandidateMemo::kMaxFields;
  static constexpr size_t kMaxCandidates = CandidateMemo::kMaxCandidates;
  static constexpr size_t kWays = 4;
  // Room per slot for the key's values: a process start's 15 fields with two command lines of
  // a few hundred bytes each.
  static constexpr size_t kKeyBytes = 1024;

  // What a value adds to its key's hash: its length and first and last 8 bytes (all of a
  // shorter value), two loads. The hash only picks the set and filters slots before the full
  // comparison, so values that share those bytes cost a comparison, never a wrong answer.
  // Not the scan cache's hash (ScanCache::Hash, 16 bytes at each end and two products): a hit
  // never looks a value up, and a miss hashes its values for the scan cache then; the key
  // cost ≈ 45 instructions per value with it, most events hit.
  static uint64_t Digest(std::string_view value) {
    const char* p = value.data();
    const size_t n = value.size();
    if (n >= 8) return value_bytes::Load8(p) ^ std::rotl(value_bytes::Load8(p + n - 8), 29) ^ n;
    return value_bytes::LoadUpTo7(p, n) ^ n;
  }

  // An event's key for a bucket: its prefilter fields' lengths and one hash folded from each
  // value's Digest.
  struct Key {
    // Per field: the value's length + 1, 0 when absent (and beyond the bucket's fields).
    // Compared a word at a time before any byte.
    std::array<uint16_t, kMaxFields> lengths{};
    uint64_t hash = 0;  // never 0 once built (the tag of an empty slot)
    size_t bytes = 0;   // of all the values
    uint32_t fields = 0;

    // Builds it from read(f, &present): field f's value, empty when absent. The hash and sizes
    // are locals until the end: members were stored back to memory per value. No branch per
    // value but the digest's on the length: absent and empty differ by `present` alone.
    // Inline, read inlined too: called per bucket per event, reading every value.
    template <typename ReadField>
    void Build(uint32_t bucket, size_t field_count, const ReadField& read) {
      constexpr uint64_t kAbsent = 0x5bd1e9955bd1e995ull;  // Digest("") is 0
      lengths = {};
      uint64_t h = (bucket + 1) * kMul;
      size_t total = 0;
      for (size_t f = 0; f < field_count; ++f) {
        bool present = false;
        const std::string_view value = read(f, &present);
        lengths[f] = static_cast<uint16_t>(value.size() + (present ? 1 : 0));
        total += value.size();
        h = (std::rotl(h, 23) ^ (present ? Digest(value) : kAbsent)) * kMul;
      }
      h ^= h >> 33;  // murmur3's final mix: every input bit reaches the high bits SetOf uses
      h *= 0xff51afd7ed558ccdull;
      h ^= h >> 33;
      hash = h | 1;
      bytes = total;
      fields = static_cast<uint32_t>(field_count);
    }
  };

  // entries is rounded up to a multiple of kWays; 0 turns the memo off.
  explicit EventMemo(uint32_t entries);

  bool enabled() const { return sets_ > 0; }
  // Forgets every entry and the bypass state, for a rule set of `buckets` buckets.
  void Reset(size_t buckets);

  // Whether to look the bucket's event up (and keep its answer): false while the bucket is
  // bypassed (counted). Inline, one test on the common path: called per bucket per event.
  bool ShouldLookUp(uint32_t bucket) {
    uint32_t& left = bypass_left_[bucket];
    if (left == 0) [[likely]] {
      return true;
    }
    --left;
    ++bypassed_;
    return false;
  }
  // value_of(f): field f's value (read only when present), where SigmaEngine keeps it.
  using ValueOf = absl::FunctionRef<std::string_view(size_t field)>;
  // What is kept for the bucket's key, or false. A key of more than kKeyBytes bytes is never
  // kept: counted as too large, and as a miss (a bucket whose events all carry such keys is
  // bypassed). On a hit, calls touch(field, ScanCache::Place) per field Insert was given a
  // place for (for ScanCache::Touch).
  // Inline, value_of and touch inlined too: called per bucket per event, reading every value.
  template <typename ValueOfField, typename TouchField>
  bool Find(uint32_t bucket, const Key& key, const ValueOfField& value_of, const TouchField& touch,
            CandidateMemo::Kept* kept) {
    ++lookups_;
    if (!tags_.empty() && key.bytes <= kKeyBytes) {
      const size_t first = SetOf(key.hash) * kWays;
      for (size_t s = first; s < first + kWays; ++s) {
        if (tags_[s] != key.hash || !SameKey(s, bucket, key, value_of)) continue;
        const Slot& slot = slots_[s];
        for (size_t i = 0; i < slot.touch_count; ++i) {
          touch(slot.touch_fields[i], slot.places[i]);
        }
        ++hits_;
        CountLookup(bucket, 1);
        *kept = {
            .candidates = std::span<const uint32_t>(slot.candidates.data(), slot.candidate_count),
            .determined = slot.determined,
            .matched = slot.matched,
            .reads_hits = false};
        return true;
      }
    }
    if (key.bytes > kKeyBytes) ++too_large_;
    CountLookup(bucket, 0);
    return false;
  }
  // place_of(f, &place): where field f's value lies in the scan cache (asked only when present);
  // false when its slot need not be marked on a hit.
  using PlaceOf = absl::FunctionRef<bool(size_t field, ScanCache::Place* place)>;
  // Keeps it for the key (not when it reads hits, or the key or the candidates are too long).
  void Insert(uint32_t bucket, const Key& key, ValueOf value_of, PlaceOf place_of,
              const CandidateMemo::Kept& kept);

  uint64_t lookups() const { return lookups_; }
  uint64_t hits() const { return hits_; }
  uint64_t bypassed() const { return bypassed_; }
  uint64_t too_large() const { return too_large_; }  // lookups of keys longer than kKeyBytes
  size_t memory_bytes() const {
    return slots_.capacity() * sizeof(Slot) + keys_.capacity() + tags_.capacity() * 8;
  }

 private:
  static constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
  struct Slot {
    uint64_t determined = 0;
    uint64_t matched = 0;
    uint32_t bucket = 0;
    uint8_t candidate_count = 0;
    std::array<uint16_t, kMaxFields> lengths{};  // as Key::lengths; the bytes in keys_
    std::array<uint32_t, kMaxCandidates> candidates{};
    // The fields whose scan cache slots a hit marks, with where each value lies there.
    uint8_t touch_count = 0;
    std::array<uint8_t, kMaxFields> touch_fields{};
    std::array<ScanCache::Place, kMaxFields> places{};
  };
  size_t SetOf(uint64_t hash) const { return static_cast<size_t>(((hash >> 32) * sets_) >> 32); }
  template <typename ValueOfField>
  bool SameKey(size_t s, uint32_t bucket, const Key& key, const ValueOfField& value_of) const {
    using value_bytes::Load8;
    const Slot& slot = slots_[s];
    if (slot.bucket != bucket) return false;
    // Lengths and presence of every field first: four word comparisons.
    const char* stored = reinterpret_cast<const char*>(slot.lengths.data());
    const char* wanted = reinterpret_cast<const char*>(key.lengths.data());
    static_assert(sizeof(slot.lengths) == 32);
    if (((Load8(stored) ^ Load8(wanted)) | (Load8(stored + 8) ^ Load8(wanted + 8)) |
         (Load8(stored + 16) ^ Load8(wanted + 16)) | (Load8(stored + 24) ^ Load8(wanted + 24))) !=
        0) {
      return false;
    }
    const char* bytes = &keys_[s * kKeyBytes];
    for (size_t f = 0; f < key.fields; ++f) {
      if (key.lengths[f] <= 1) continue;  // absent or empty: the length said all
      const size_t n = key.lengths[f] - 1;
      if (!value_bytes::SameBytes(bytes, value_of(f).data(), n)) return false;
      bytes += n;
    }
    return true;
  }
  // Per ScanCache::kMissRun lookups of a bucket, bypasses it when fewer than half hit.
  void CountLookup(uint32_t bucket, uint32_t hit) {
    window_hits_[bucket] += hit;
    if (++window_lookups_[bucket] == ScanCache::kMissRun) EndWindow(bucket);
  }
  void EndWindow(uint32_t bucket);

  size_t sets_;
  // Per slot its key's hash, 0: empty (Key::Finish never gives 0). Apart from the slots
  // so that a probe reads one line.
  std::vector<uint64_t> tags_;
  std::vector<Slot> slots_;
  std::vector<char> keys_;                // per slot kKeyBytes
  std::vector<uint8_t> hands_;            // per set: the way the next insert replaces
  std::vector<uint32_t> window_lookups_;  // per bucket: lookups in the current window
  std::vector<uint32_t> window_hits_;     // and hits
  std::vector<uint32_t> bypass_left_;     // per bucket: events still to match without
  uint64_t lookups_ = 0;
  uint64_t hits_ = 0;
  uint64_t bypassed_ = 0;
  uint64_t too_large_ = 0;
};

}  // namespace otasuke::agent::sigma
