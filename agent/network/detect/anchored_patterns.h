#pragma once
// Prefilter patterns that can only start at a few fixed offsets of a buffer: the fast pattern
// of a content with `depth` / `offset` / `startswith` and no relative position (ET's binary
// protocol rules: `content:"|01 00 00 00|"; depth:4;`). A multi-pattern matcher searches the
// whole buffer for them; here they are compared at their offsets only. Kept out of the matcher,
// they no longer cost it its per-byte work: zero-heavy literals such as `|01 00 00 00|` made
// Hyperscan confirm candidate positions all over binary payloads (on the bench pcaps the
// anchored patterns of the large TCP / UDP / HTTP databases were a quarter of Hyperscan's work).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"

namespace otasuke::network::detect {

class AnchoredPatterns {
 public:
  // A pattern is looked up at no more than this many start offsets...
  static constexpr uint32_t kMaxStartsPerPattern = 1;
  // ... all below this one (a buffer pays one lookup per distinct start offset of its database).
  static constexpr uint32_t kMaxStart = 4;

  // Whether a pattern of `length` bytes starting in [first_start, last_start] is kept here.
  static bool Fits(size_t length, uint32_t first_start, uint32_t last_start) {
    return length >= 2 && first_start <= last_start && last_start < kMaxStart &&
           last_start - first_start < kMaxStartsPerPattern;
  }

  // Adds pattern `pattern` (its index in the database) whose bytes start in
  // [first_start, last_start] (Fits must hold). Compared caseless, as the matchers are: the
  // candidates are verified exactly afterwards.
  void Add(uint32_t pattern, std::string_view bytes, uint32_t first_start, uint32_t last_start);
  // Sorts the entries and builds the filter; call once after the last Add.
  void Finish();
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

  // Calls on_match(pattern) for every pattern found at one of its start offsets in data (a
  // pattern may come more than once).
  template <typename F>
  void ForEachMatch(std::span<const uint8_t> data, F&& on_match) const {
    for (const uint32_t start : starts_) {
      if (start + 2 > data.size()) return;  // starts_ is ascending; no pattern is shorter
      const uint32_t key = Key(start, data[start], data[start + 1]);
      const uint32_t bit = Hash(key);
      if ((filter_[bit / 64] & (uint64_t{1} << (bit % 64))) == 0) continue;
      for (auto it = LowerBound(key); it != entries_.end() && it->key == key; ++it) {
        if (start + it->bytes.size() <= data.size() && EqualsCaseless(data, start, it->bytes)) {
          on_match(it->pattern);
        }
      }
    }
  }

 private:
  struct Entry {
    uint32_t key;  // start offset and the first two lower-cased bytes
    uint32_t pattern;
    std::string bytes;  // lower-cased
  };
  static constexpr uint32_t kFilterBits = 1 << 16;

  static uint32_t Key(uint32_t start, uint8_t b0, uint8_t b1) {
    return (start << 16) | (static_cast<uint32_t>(absl::ascii_tolower(b0)) << 8) |
           static_cast<uint32_t>(absl::ascii_tolower(b1));
  }
  static uint32_t Hash(uint32_t key) { return (key * 0x9E3779B1u) >> 16; }
  static bool EqualsCaseless(std::span<const uint8_t> data, size_t at, const std::string& lower) {
    for (size_t i = 2; i < lower.size(); ++i) {  // the key compared the first two
      if (absl::ascii_tolower(data[at + i]) != static_cast<uint8_t>(lower[i])) return false;
    }
    return true;
  }
  std::vector<Entry>::const_iterator LowerBound(uint32_t key) const;

  std::vector<Entry> entries_;    // sorted by key
  std::vector<uint32_t> starts_;  // distinct start offsets, ascending
  std::vector<uint64_t> filter_;  // kFilterBits bits: Hash(key) of every entry
};

}  // namespace otasuke::network::detect
