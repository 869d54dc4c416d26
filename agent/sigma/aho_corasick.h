#pragma once
// Multi-pattern substring search: an Aho-Corasick automaton compiled to a dense DFA over
// byte classes (bytes no pattern uses share one class), so a scan costs two table loads per
// input byte. Matching folds ASCII case: patterns are given lowercase and match the text in
// any case. Immutable after Build(); Scan() is const and allocation-free.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace otasuke::agent::sigma {

class AhoCorasick {
 public:
  // Pattern ids are positions in `patterns`, which must be ASCII-lowercase (an upper-case
  // letter in a pattern would never match). Empty patterns are ignored.
  static AhoCorasick Build(const std::vector<std::string>& patterns);

  // Calls on_match(pattern_id, end) for every occurrence of every pattern in `text`, where
  // `end` is the offset just past the occurrence.
  template <typename F>
  void Scan(std::string_view text, F&& on_match) const {
    if (num_classes_ == 0) return;
    uint32_t state = 0;
    const uint32_t* table = transitions_.data();
    for (size_t pos = 0; pos < text.size(); ++pos) {
      state = table[state * num_classes_ + byte_class_[static_cast<unsigned char>(text[pos])]];
      const uint32_t begin = output_begin_[state];
      const uint32_t end = output_begin_[state + 1];
      for (uint32_t i = begin; i < end; ++i) on_match(outputs_[i], pos + 1);
    }
  }

  size_t state_count() const { return output_begin_.empty() ? 0 : output_begin_.size() - 1; }
  size_t memory_bytes() const;

 private:
  uint16_t byte_class_[256] = {};
  uint32_t num_classes_ = 0;
  std::vector<uint32_t> transitions_;   // state * num_classes_ + class -> state
  std::vector<uint32_t> output_begin_;  // per state, into outputs_; size states + 1
  std::vector<uint32_t> outputs_;
};

}  // namespace otasuke::agent::sigma
