#include "agent/sigma/aho_corasick.h"

#include <algorithm>
#include <deque>

#include "common/check.h"

namespace otasuke::agent::sigma {
namespace {

// Entries hold (state << 1) | flag: 16 bits while states stay below this.
constexpr uint32_t kMaxNarrowStates = 1u << 15;

}  // namespace

void AhoCorasick::Automaton::Build(const std::vector<std::pair<uint32_t, std::string>>& walked) {
  if (walked.empty()) return;
  // Byte classes: class 0 for bytes in no pattern, one class per used byte. Patterns are
  // lowercase, so upper-case letters need no class of their own: at most 231 classes.
  bool used[256] = {};
  for (const auto& [id, p] : walked) {
    for (unsigned char c : p) used[c] = true;
  }
  uint32_t classes = 1;
  for (int b = 0; b < 256; ++b) {
    if (b >= 'A' && b <= 'Z') continue;
    byte_class_[b] = used[b] ? static_cast<uint8_t>(classes++) : 0;
  }
  OTASUKE_CHECK(classes <= 256);
  // Caseless: an upper-case ASCII letter shares its lower-case letter's class, so the text
  // needs no lowercasing before the scan.
  for (int b = 'A'; b <= 'Z'; ++b) byte_class_[b] = byte_class_[b + 32];
  num_classes_ = classes;
  const uint32_t k = classes;
  // Trie with goto table (0 = absent for non-root states during construction).
  std::vector<uint32_t> go(k, 0);
  std::vector<std::vector<uint32_t>> own_outputs(1);
  for (const auto& [id, p] : walked) {
    uint32_t s = 0;
    for (unsigned char c : p) {
      const uint32_t cls = byte_class_[c];
      uint32_t next = go[s * k + cls];
      if (next == 0) {
        next = static_cast<uint32_t>(own_outputs.size());
        own_outputs.emplace_back();
        go.resize(go.size() + k, 0);
        go[s * k + cls] = next;
      }
      s = next;
    }
    own_outputs[s].push_back(id);
  }
  const uint32_t states = static_cast<uint32_t>(own_outputs.size());
  OTASUKE_CHECK(static_cast<uint64_t>(states) * k < (1ull << 31));
  std::vector<uint32_t> fail(states, 0);
  std::deque<uint32_t> queue;
  for (uint32_t cls = 0; cls < k; ++cls) {
    if (go[cls] != 0) queue.push_back(go[cls]);
  }
  std::vector<uint32_t> order = {0};  // breadth first, the root first
  while (!queue.empty()) {
    const uint32_t s = queue.front();
    queue.pop_front();
    order.push_back(s);
    for (uint32_t cls = 0; cls < k; ++cls) {
      const uint32_t next = go[s * k + cls];
      if (next != 0) {
        fail[next] = go[fail[s] * k + cls];
        queue.push_back(next);
      } else {
        go[s * k + cls] = go[fail[s] * k + cls];
      }
    }
  }
  // Outputs: own patterns plus those of the failure state (complete first in BFS order).
  std::vector<std::vector<uint32_t>> outputs(states);
  for (uint32_t s : order) {
    outputs[s] = own_outputs[s];
    if (s == 0) continue;
    const auto& inherited = outputs[fail[s]];
    outputs[s].insert(outputs[s].end(), inherited.begin(), inherited.end());
  }
  // Renumbered breadth first: the states near the root, which a walk visits most, share rows.
  std::vector<uint32_t> number(states, 0);
  for (uint32_t i = 0; i < states; ++i) number[order[i]] = i;
  auto entry = [&](uint32_t target) {
    return (number[target] << 1) | (outputs[target].empty() ? 0u : 1u);
  };
  if (states < kMaxNarrowStates) {
    narrow_.resize(go.size());
  } else {
    wide_.resize(go.size());
  }
  output_begin_.reserve(states + 1);
  for (uint32_t i = 0; i < states; ++i) {
    const uint32_t s = order[i];
    for (uint32_t cls = 0; cls < k; ++cls) {
      const uint32_t e = entry(go[s * k + cls]);
      if (narrow_.empty()) {
        wide_[i * k + cls] = e;
      } else {
        narrow_[i * k + cls] = static_cast<uint16_t>(e);
      }
    }
    output_begin_.push_back(static_cast<uint32_t>(outputs_.size()));
    outputs_.insert(outputs_.end(), outputs[s].begin(), outputs[s].end());
  }
  output_begin_.push_back(static_cast<uint32_t>(outputs_.size()));
}

size_t AhoCorasick::Automaton::memory_bytes() const {
  return narrow_.size() * sizeof(uint16_t) +
         (wide_.size() + output_begin_.size() + outputs_.size()) * sizeof(uint32_t) +
         sizeof(byte_class_);
}

AhoCorasick AhoCorasick::Build(const std::vector<std::string>& patterns, size_t suffix_bytes) {
  AhoCorasick ac;
  suffix_bytes = std::max<size_t>(suffix_bytes, 1);
  std::vector<std::pair<uint32_t, std::string>> common, high_patterns;
  ac.pattern_length_.resize(patterns.size(), 0);
  ac.head_begin_.resize(patterns.size(), 0);
  ac.head_length_.resize(patterns.size(), 0);
  for (uint32_t id = 0; id < patterns.size(); ++id) {
    const std::string& p = patterns[id];
    if (p.empty()) continue;
    const size_t head = p.size() > suffix_bytes ? p.size() - suffix_bytes : 0;
    ac.pattern_length_[id] = static_cast<uint32_t>(p.size());
    ac.head_begin_[id] = static_cast<uint32_t>(ac.heads_.size());
    ac.head_length_[id] = static_cast<uint32_t>(head);
    ac.heads_.append(p, 0, head);
    const bool high = std::any_of(p.begin(), p.end(),
                                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    (high ? high_patterns : common).emplace_back(id, p.substr(head));
  }
  ac.common_.Build(common);
  ac.high_.Build(high_patterns);
  return ac;
}

size_t AhoCorasick::memory_bytes() const {
  return common_.memory_bytes() + high_.memory_bytes() +
         (pattern_length_.size() + head_begin_.size() + head_length_.size()) * sizeof(uint32_t) +
         heads_.size();
}

}  // namespace otasuke::agent::sigma
