#include "agent/sigma/anchored_literals.h"

namespace otasuke::agent::sigma {

AnchoredLiterals AnchoredLiterals::Build(const std::vector<Literal>& literals) {
  AnchoredLiterals a;
  a.forward_ = BuildTrie(literals, /*reverse=*/false);
  a.reverse_ = BuildTrie(literals, /*reverse=*/true);
  a.size_ = literals.size();
  return a;
}

AnchoredLiterals::Trie AnchoredLiterals::BuildTrie(const std::vector<Literal>& literals,
                                                   bool reverse) {
  Trie t;
  auto wanted = [reverse](const Literal& l) {
    return !l.text.empty() && (reverse ? l.anchor != Anchor::kStart : l.anchor == Anchor::kStart);
  };
  bool used[256] = {};
  bool any = false;
  for (const Literal& l : literals) {
    if (!wanted(l)) continue;
    any = true;
    for (unsigned char c : l.text) used[c >= 'A' && c <= 'Z' ? c + 32 : c] = true;
  }
  if (!any) return t;
  uint32_t classes = 1;
  for (int b = 0; b < 256; ++b) t.byte_class_[b] = used[b] ? static_cast<uint16_t>(classes++) : 0;
  for (int b = 'A'; b <= 'Z'; ++b) t.byte_class_[b] = t.byte_class_[b + 32];  // caseless
  t.num_classes_ = classes;
  t.states_ = 2;  // 0 dead, 1 root
  t.next_.assign(2 * classes, 0);
  std::vector<std::vector<uint32_t>> outputs(2);
  for (uint32_t id = 0; id < literals.size(); ++id) {
    const Literal& l = literals[id];
    if (!wanted(l)) continue;
    uint32_t state = 1;
    const size_t n = l.text.size();
    for (size_t i = 0; i < n; ++i) {
      const unsigned char c = static_cast<unsigned char>(reverse ? l.text[n - 1 - i] : l.text[i]);
      uint32_t& next = t.next_[state * classes + t.byte_class_[c]];
      if (next == 0) {
        next = t.states_++;
        t.next_.resize(static_cast<size_t>(t.states_) * classes, 0);
        outputs.emplace_back();
      }
      state = t.next_[state * classes + t.byte_class_[c]];  // `next` may have moved
    }
    outputs[state].push_back((id << 1) | (l.anchor == Anchor::kWhole ? 1 : 0));
  }
  t.Finish(std::move(outputs));
  return t;
}

void AnchoredLiterals::Trie::Finish(std::vector<std::vector<uint32_t>> outputs) {
  output_begin_.reserve(outputs.size() + 1);
  for (const auto& o : outputs) {
    output_begin_.push_back(static_cast<uint32_t>(outputs_.size()));
    outputs_.insert(outputs_.end(), o.begin(), o.end());
  }
  output_begin_.push_back(static_cast<uint32_t>(outputs_.size()));
}

size_t AnchoredLiterals::Trie::memory_bytes() const {
  return (next_.size() + output_begin_.size() + outputs_.size()) * sizeof(uint32_t) +
         sizeof(byte_class_);
}

}  // namespace otasuke::agent::sigma
