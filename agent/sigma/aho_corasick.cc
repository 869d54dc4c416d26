#include "agent/sigma/aho_corasick.h"

#include <deque>

namespace otasuke::agent::sigma {

AhoCorasick AhoCorasick::Build(const std::vector<std::string>& patterns) {
  AhoCorasick ac;
  // Byte classes: class 0 for bytes in no pattern, one class per used byte.
  bool used[256] = {};
  for (const std::string& p : patterns) {
    for (unsigned char c : p) used[c] = true;
  }
  uint32_t classes = 1;
  for (int b = 0; b < 256; ++b) ac.byte_class_[b] = used[b] ? static_cast<uint16_t>(classes++) : 0;
  // Caseless: an upper-case ASCII letter shares its lower-case letter's class, so the text
  // needs no lowercasing before the scan (patterns are lowercase).
  for (int b = 'A'; b <= 'Z'; ++b) ac.byte_class_[b] = ac.byte_class_[b + 32];
  ac.num_classes_ = classes;
  const uint32_t k = classes;
  // Trie with goto table (0 = absent for non-root states during construction).
  std::vector<uint32_t> go(k, 0);
  std::vector<std::vector<uint32_t>> own_outputs(1);
  for (uint32_t id = 0; id < patterns.size(); ++id) {
    const std::string& p = patterns[id];
    if (p.empty()) continue;
    uint32_t s = 0;
    for (unsigned char c : p) {
      const uint32_t cls = ac.byte_class_[c];
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
  std::vector<uint32_t> fail(states, 0);
  std::vector<std::vector<uint32_t>> outputs(states);
  std::deque<uint32_t> queue;
  for (uint32_t cls = 0; cls < k; ++cls) {
    const uint32_t next = go[cls];
    if (next != 0) {
      fail[next] = 0;
      queue.push_back(next);
    }
  }
  std::vector<uint32_t> order;
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
  // Outputs: own patterns plus those of the failure state (already complete in BFS order).
  outputs[0] = own_outputs[0];
  for (uint32_t s : order) {
    outputs[s] = own_outputs[s];
    const auto& inherited = outputs[fail[s]];
    outputs[s].insert(outputs[s].end(), inherited.begin(), inherited.end());
  }
  ac.transitions_ = std::move(go);
  ac.output_begin_.reserve(states + 1);
  for (uint32_t s = 0; s < states; ++s) {
    ac.output_begin_.push_back(static_cast<uint32_t>(ac.outputs_.size()));
    ac.outputs_.insert(ac.outputs_.end(), outputs[s].begin(), outputs[s].end());
  }
  ac.output_begin_.push_back(static_cast<uint32_t>(ac.outputs_.size()));
  return ac;
}

size_t AhoCorasick::memory_bytes() const {
  return transitions_.size() * sizeof(uint32_t) + output_begin_.size() * sizeof(uint32_t) +
         outputs_.size() * sizeof(uint32_t) + sizeof(byte_class_);
}

}  // namespace otasuke::agent::sigma
