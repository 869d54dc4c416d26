#pragma once
// Many plain string tests of one field item folded into hash lookups. SigmaHQ rules often list
// dozens of values for one field (`Image|endswith: ['\cmd.exe', '\powershell.exe', ...]`,
// `OriginalFileName: [...]`); testing them one by one costs a comparison each. The set keys
// the exact tests by the whole value and the prefix and suffix tests by a fixed number of the
// value's first or last bytes, so one lookup per kind leaves only the few tests sharing those
// bytes to confirm. Only the indexed engine uses it; the oracle keeps testing one by one,
// which is what the engine == oracle tests compare.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "agent/sigma/value_matcher.h"

namespace otasuke::agent::sigma {

class StringTestSet {
 public:
  // Whether `test` can join a set: caseless exact, prefix or suffix with a non-empty literal.
  static bool Indexable(const StringMatcher& test);
  // Every test must be Indexable.
  static StringTestSet Build(const std::vector<const StringMatcher*>& tests);

  // True when some test of the set matches; `lowered` is the ASCII-lowercased field value.
  bool AnyMatches(std::string_view lowered) const;
  size_t size() const { return size_; }

 private:
  // Tests anchored at one end, keyed by their first (prefix) or last (suffix) key_length
  // bytes; key_length is the shortest literal's length, at most kMaxKey.
  struct Anchored {
    size_t key_length = 0;
    absl::flat_hash_map<std::string, std::vector<std::string>> by_key;
    void Build(const std::vector<std::string>& literals, bool suffix);
    bool AnyMatches(std::string_view lowered, bool suffix) const;
  };
  static constexpr size_t kMaxKey = 8;

  absl::flat_hash_set<std::string> exact_;
  Anchored prefix_;
  Anchored suffix_;
  size_t size_ = 0;
};

}  // namespace otasuke::agent::sigma
