#include "agent/sigma/string_test_set.h"

#include <algorithm>
#include <cstring>

#include "common/strings.h"

namespace otasuke::agent::sigma {

bool StringTestSet::Indexable(const StringMatcher& test) {
  using Kind = StringMatcher::Kind;
  const Kind kind = test.kind();
  return !test.cased() && !test.literal().empty() &&
         (kind == Kind::kExact || kind == Kind::kPrefix || kind == Kind::kSuffix);
}

StringTestSet StringTestSet::Build(const std::vector<const StringMatcher*>& tests) {
  StringTestSet set;
  std::vector<std::string> prefixes, suffixes;
  for (const StringMatcher* t : tests) {
    switch (t->kind()) {
      case StringMatcher::Kind::kExact:
        set.exact_.insert(t->literal());
        break;
      case StringMatcher::Kind::kPrefix:
        prefixes.push_back(t->literal());
        break;
      case StringMatcher::Kind::kSuffix:
        suffixes.push_back(t->literal());
        break;
      default:
        break;  // not Indexable: the caller tests it one by one
    }
  }
  set.prefix_.Build(prefixes, /*suffix=*/false);
  set.suffix_.Build(suffixes, /*suffix=*/true);
  set.size_ = tests.size();
  return set;
}

void StringTestSet::Anchored::Build(const std::vector<std::string>& literals, bool suffix) {
  if (literals.empty()) return;
  key_length = kMaxKey;
  for (const std::string& l : literals) key_length = std::min(key_length, l.size());
  for (const std::string& l : literals) {
    const std::string key = suffix ? l.substr(l.size() - key_length) : l.substr(0, key_length);
    std::vector<std::string>& same_key = by_key[key];
    if (std::find(same_key.begin(), same_key.end(), l) == same_key.end()) same_key.push_back(l);
  }
}

bool StringTestSet::Anchored::AnyMatches(std::string_view lowered, bool suffix) const {
  if (key_length == 0 || lowered.size() < key_length) return false;
  const std::string_view key =
      suffix ? lowered.substr(lowered.size() - key_length) : lowered.substr(0, key_length);
  const auto it = by_key.find(Sv(key));
  if (it == by_key.end()) return false;
  for (const std::string& l : it->second) {
    if (l.size() > lowered.size()) continue;
    const size_t at = suffix ? lowered.size() - l.size() : 0;
    if (std::memcmp(lowered.data() + at, l.data(), l.size()) == 0) return true;
  }
  return false;
}

bool StringTestSet::AnyMatches(std::string_view lowered) const {
  if (!exact_.empty() && exact_.contains(Sv(lowered))) return true;
  return prefix_.AnyMatches(lowered, /*suffix=*/false) ||
         suffix_.AnyMatches(lowered, /*suffix=*/true);
}

}  // namespace otasuke::agent::sigma
