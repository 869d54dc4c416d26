#pragma once
// Literals that need only be found at one end of a field value: `startswith` literals at its
// start, `endswith` literals at its end, exact values as the whole value. SigmaHQ's
// process-creation rules mostly test paths and file names that way (`Image|endswith:
// '\cmd.exe'`, `OriginalFileName: 'PowerShell.EXE'`); a multi-literal scan would look for them
// at every offset. Here a forward trie of the start literals is walked from the value's first
// byte, and a trie of the reversed end and whole literals from its last byte, each walk
// stopping where no literal continues: a few dozen instructions for a path, whatever the
// number of literals. Matching folds ASCII case like the scanners (literals are lowercase).
// Immutable after Build(); Scan() is const and allocation-free.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace otasuke::agent::sigma {

class AnchoredLiterals {
 public:
  enum class Anchor : uint8_t { kStart, kEnd, kWhole };
  struct Literal {
    std::string text;  // lowercase, not empty
    Anchor anchor = Anchor::kEnd;
  };
  // Literal ids are positions in `literals`.
  static AnchoredLiterals Build(const std::vector<Literal>& literals);

  // Calls on_match(id, end) for each literal found at its anchor, `end` being the offset just
  // past the occurrence (its length for start literals, text.size() for the others), as a
  // scanner reports occurrences.
  template <typename F>
  void Scan(std::string_view text, F&& on_match) const {
    if (!forward_.empty()) {
      forward_.Walk(text, /*reverse=*/false,
                    [&](uint32_t output, size_t length) { on_match(output >> 1, length); });
    }
    if (!reverse_.empty()) {
      reverse_.Walk(text, /*reverse=*/true, [&](uint32_t output, size_t length) {
        // Whole-value literals (low bit set) count only when the walk consumed the value.
        if ((output & 1) == 0 || length == text.size()) on_match(output >> 1, text.size());
      });
    }
  }

  bool empty() const { return forward_.empty() && reverse_.empty(); }
  size_t size() const { return size_; }
  size_t memory_bytes() const { return forward_.memory_bytes() + reverse_.memory_bytes(); }

 private:
  // A trie as a dense table over byte classes (bytes no literal uses share class 0, which
  // always leads to the dead state 0; the root is state 1). Outputs are (id << 1) | whole.
  class Trie {
   public:
    void Insert(std::string_view text, bool reverse, uint32_t output);
    bool empty() const { return states_ == 0; }
    size_t memory_bytes() const;

    template <typename F>
    void Walk(std::string_view text, bool reverse, F&& on_output) const {
      uint32_t state = 1;
      const size_t n = text.size();
      for (size_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(reverse ? text[n - 1 - i] : text[i]);
        state = next_[state * num_classes_ + byte_class_[c]];
        if (state == 0) return;
        for (uint32_t k = output_begin_[state]; k < output_begin_[state + 1]; ++k) {
          on_output(outputs_[k], i + 1);
        }
      }
    }

   private:
    friend class AnchoredLiterals;
    void Finish(std::vector<std::vector<uint32_t>> outputs);

    uint16_t byte_class_[256] = {};
    uint32_t num_classes_ = 0;
    uint32_t states_ = 0;
    std::vector<uint32_t> next_;          // state * num_classes_ + class -> state (0: none)
    std::vector<uint32_t> output_begin_;  // per state, into outputs_; size states + 1
    std::vector<uint32_t> outputs_;
  };
  static Trie BuildTrie(const std::vector<Literal>& literals, bool reverse);

  Trie forward_;  // kStart literals
  Trie reverse_;  // kEnd and kWhole literals, reversed
  size_t size_ = 0;
};

}  // namespace otasuke::agent::sigma
