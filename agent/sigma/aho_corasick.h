#pragma once
// Multi-pattern substring search: Aho-Corasick automata compiled to dense DFAs over byte
// classes (bytes no pattern uses share one class), so a scan costs a few instructions per
// input byte whatever the number of patterns. Matching folds ASCII case: patterns are given
// lowercase and match the text in any case. Immutable after Build(); Scan() is const and
// allocation-free.
//
// What keeps the tables small (a walk touches one row per byte, so their size decides how
// often it waits for memory; SIGMA.md, "Performance"):
//  - a pattern longer than `suffix_bytes` is walked by its last `suffix_bytes` only, and its
//    other bytes are compared in the text when that suffix is found, so every reported
//    occurrence is one of the whole pattern, and the states grow with the suffixes, not with
//    64-byte literals;
//  - patterns holding a byte >= 0x80 (the Unicode dashes of windash variants, emoji) live in
//    a second automaton walked only over texts that hold such a byte, so the common automaton
//    has no class for those bytes;
//  - states are numbered breadth first (the shallow states a walk visits most share rows and
//    pages) and transitions are 16-bit when there are fewer than 32,768 states;
//  - a transition carries a flag when its target state has outputs, so the walk tests one bit
//    per byte instead of loading the state's output range.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otasuke::agent::sigma {

class AhoCorasick {
 public:
  // Patterns are walked by at most this many of their last bytes by default.
  static constexpr size_t kDefaultSuffixBytes = 12;

  // Pattern ids are positions in `patterns`, which must be ASCII-lowercase (an upper-case
  // letter in a pattern would never match). Empty patterns are ignored.
  static AhoCorasick Build(const std::vector<std::string>& patterns,
                           size_t suffix_bytes = kDefaultSuffixBytes);

  // Calls on_match(pattern_id, end) for every occurrence of every pattern in `text`, where
  // `end` is the offset just past the occurrence.
  template <typename F>
  void Scan(std::string_view text, F&& on_match) const {
    common_.Walk(text, *this, on_match);
    if (!high_.empty() && HasHighByte(text)) high_.Walk(text, *this, on_match);
  }

  size_t state_count() const { return common_.state_count() + high_.state_count(); }
  size_t memory_bytes() const;

 private:
  // One dense DFA; a transition is (target state << 1) | (target has outputs).
  class Automaton {
   public:
    bool empty() const { return num_classes_ == 0; }
    size_t state_count() const { return output_begin_.empty() ? 0 : output_begin_.size() - 1; }
    size_t memory_bytes() const;
    // Builds the DFA of (pattern id, walked bytes) pairs.
    void Build(const std::vector<std::pair<uint32_t, std::string>>& walked);

    template <typename F>
    void Walk(std::string_view text, const AhoCorasick& owner, F& on_match) const {
      if (num_classes_ == 0) return;
      if (narrow_.empty()) {
        WalkTable(wide_.data(), text, owner, on_match);
      } else {
        WalkTable(narrow_.data(), text, owner, on_match);
      }
    }

   private:
    template <typename Entry, typename F>
    void WalkTable(const Entry* table, std::string_view text, const AhoCorasick& owner,
                   F& on_match) const {
      const size_t k = num_classes_;
      size_t row = 0;
      for (size_t pos = 0; pos < text.size(); ++pos) {
        const uint32_t entry = table[row + byte_class_[static_cast<unsigned char>(text[pos])]];
        const uint32_t state = entry >> 1;
        row = state * k;
        if ((entry & 1) == 0) continue;
        for (uint32_t i = output_begin_[state]; i < output_begin_[state + 1]; ++i) {
          const uint32_t id = outputs_[i];
          if (owner.Confirmed(id, text, pos + 1)) on_match(id, pos + 1);
        }
      }
    }

    uint8_t byte_class_[256] = {};
    uint32_t num_classes_ = 0;
    std::vector<uint16_t> narrow_;        // state * classes + class -> entry, below 32,768 states
    std::vector<uint32_t> wide_;          // the same, for larger automata
    std::vector<uint32_t> output_begin_;  // per state, into outputs_; size states + 1
    std::vector<uint32_t> outputs_;
  };

  static bool HasHighByte(std::string_view text) {
    size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof(word));
      if ((word & 0x8080808080808080ull) != 0) return true;
    }
    for (; i < text.size(); ++i) {
      if (static_cast<unsigned char>(text[i]) >= 0x80) return true;
    }
    return false;
  }

  // Whether the bytes of pattern `id` before its walked suffix lie in `text` before the
  // suffix's occurrence ending at `end` (ASCII case folded). True for patterns walked whole.
  bool Confirmed(uint32_t id, std::string_view text, size_t end) const {
    const uint32_t length = head_length_[id];
    if (length == 0) return true;
    const size_t whole = pattern_length_[id];
    if (end < whole) return false;
    const char* at = text.data() + end - whole;
    const char* head = heads_.data() + head_begin_[id];
    for (uint32_t i = 0; i < length; ++i) {
      const unsigned char c = static_cast<unsigned char>(at[i]);
      if (static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c) != head[i]) return false;
    }
    return true;
  }

  Automaton common_;  // patterns of bytes < 0x80 only
  Automaton high_;    // patterns holding a byte >= 0x80
  std::vector<uint32_t> pattern_length_;
  std::vector<uint32_t> head_begin_;   // per pattern, into heads_
  std::vector<uint32_t> head_length_;  // bytes before the walked suffix (0: walked whole)
  std::string heads_;
};

}  // namespace otasuke::agent::sigma
