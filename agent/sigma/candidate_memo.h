#pragma once
// A per-thread memo of a bucket's candidate rules, keyed by the scan cache entries of its
// prefilter fields' values. Which rules an event's prefilter admits depends only on the
// literals found in those values (first clauses, other clauses) plus the rules always
// evaluated: when every present prefilter field of the event hit the scan cache, the entries'
// serials (scan_cache.h: unique per stored value, never reused) name those literals exactly,
// so an event with the same serials on the same fields has the same candidates. SigmaEngine
// then replays only the hit records the evaluation reads, not each literal's rules, the other
// clause checks and the sort.
//
// The key fixes more than the candidates: a rule every field of which is a prefilter field of
// its bucket (MarkKeyDeterminedRules) reads nothing the key does not name, so its result is
// the same for every event with that key. An entry keeps, beside its candidates, which of them
// are so determined and their results (filled by the evaluation of the event that inserted
// it); SigmaEngine evaluates only the others on a hit, and replays no hit records when none of
// those reads them.
//
// Bounded and allocation-free after the first insert: `entries` slots in sets of kWays chosen by
// the key's hash, a new key replacing the slot a per-set round-robin hand points at. Keys
// longer than kMaxFields fields and candidate lists longer than kMaxCandidates are not kept.
// Reset() (rule set swap) forgets every entry: its rule indices belong to one compiled set.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "agent/sigma/rule.h"

namespace otasuke::agent::sigma {

struct LogSourceBucket;  // compiled_rules.h

// Sets determined_by_key and reads_hits (rule.h) for the bucket's rules; called by the
// compiler once the item indexes (hit tests, regex gates, hit selections) exist.
void MarkKeyDeterminedRules(const LogSourceBucket& bucket, std::vector<DetectionRule>& rules);

// What SigmaEngine keeps unless told otherwise: a host's recurring process starts (services,
// scheduled tasks, a user's usual programs) are some hundreds of value combinations.
inline constexpr uint32_t kDefaultCandidateMemoEntries = 512;

class CandidateMemo {
 public:
  static constexpr size_t kMaxFields = 16;
  static constexpr size_t kMaxCandidates = 48;  // at most 64: Kept's masks
  static constexpr size_t kWays = 4;

  // entries is rounded up to a multiple of kWays; 0 turns the memo off.
  explicit CandidateMemo(uint32_t entries);

  bool enabled() const { return sets_ > 0; }
  void Reset();

  // What is kept for a key: the bucket's candidates (ascending); which of them the key
  // determines (bit i: candidates[i]) and, of those, which match; and whether the evaluation
  // of the others reads the hit records.
  struct Kept {
    std::span<const uint32_t> candidates;
    uint64_t determined = 0;
    uint64_t matched = 0;
    bool reads_hits = true;

    // The bits of a list of `count` candidates (bits beyond name none).
    static uint64_t ListBits(size_t count) {
      return count == 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1;
    }
    // Every candidate determined: nothing left to evaluate.
    bool AllDetermined() const { return determined == ListBits(candidates.size()); }
  };

  // key: per prefilter field of the bucket, its value's scan cache serial, 0 when absent.
  static uint64_t Hash(uint32_t bucket, std::span<const uint64_t> key);
  // What is kept for (bucket, key), or false.
  bool Find(uint32_t bucket, std::span<const uint64_t> key, uint64_t hash, Kept* kept);
  // Keeps it for the key (not when the key or the candidates are too long).
  void Insert(uint32_t bucket, std::span<const uint64_t> key, uint64_t hash, const Kept& kept);

  uint64_t lookups() const { return lookups_; }
  uint64_t hits() const { return hits_; }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t bucket = 0;
    uint8_t fields = 0;
    uint8_t candidate_count = 0;
    bool valid = false;
    bool reads_hits = true;
    uint64_t determined = 0;
    uint64_t matched = 0;
    std::array<uint64_t, kMaxFields> key{};
    std::array<uint32_t, kMaxCandidates> candidates{};
  };
  size_t SetOf(uint64_t hash) const { return static_cast<size_t>(((hash >> 32) * sets_) >> 32); }

  size_t sets_;
  std::vector<Slot> slots_;
  std::vector<uint8_t> hands_;  // per set: the way the next insert replaces
  uint64_t lookups_ = 0;
  uint64_t hits_ = 0;
};

}  // namespace otasuke::agent::sigma
