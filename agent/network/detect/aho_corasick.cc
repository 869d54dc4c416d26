// Portable prefilter: an Aho-Corasick automaton over ASCII-lower-cased bytes. Case-sensitive
// patterns are confirmed against the original bytes at the hit. Children are stored sparse
// (sorted edge runs) except at the root, which has a direct 256-entry table, to keep tens of
// thousands of patterns in a few MB.
#include <algorithm>
#include <cstring>
#include <deque>
#include <map>

#include "agent/network/detect/prefilter.h"

namespace otasuke::network::detect {
namespace {

inline uint8_t Lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

class AhoCorasick final : public MultiPatternMatcher {
 public:
  explicit AhoCorasick(const std::vector<PrefilterPattern>& patterns) : patterns_(patterns) {
    Build();
  }

  void Scan(std::span<const uint8_t> data, PrefilterScratch&,
            absl::FunctionRef<void(uint32_t)> on_match) const override {
    uint32_t state = 0;
    for (size_t i = 0; i < data.size(); ++i) {
      const uint8_t c = Lower(data[i]);
      state = Step(state, c);
      for (uint32_t out = nodes_[state].has_output ? state : nodes_[state].dict; out != kNone;
           out = nodes_[out].dict) {
        const Node& node = nodes_[out];
        for (uint32_t k = node.out_begin; k < node.out_begin + node.out_count; ++k) {
          const uint32_t id = outputs_[k];
          const PrefilterPattern& p = patterns_[id];
          if (!p.nocase) {
            const size_t start = i + 1 - p.bytes.size();
            if (std::memcmp(data.data() + start, p.bytes.data(), p.bytes.size()) != 0) continue;
          }
          on_match(id);
        }
      }
    }
  }

  absl::Status PrepareScratch(PrefilterScratch&) const override { return absl::OkStatus(); }

 private:
  static constexpr uint32_t kNone = ~uint32_t{0};
  struct Node {
    uint32_t edge_begin = 0;
    uint32_t fail = 0;
    uint32_t dict = kNone;  // nearest proper suffix node with outputs
    uint32_t out_begin = 0;
    uint16_t edge_count = 0;
    uint16_t out_count = 0;
    bool has_output = false;
  };
  struct Edge {
    uint8_t byte;
    uint32_t target;
  };

  uint32_t Child(uint32_t node, uint8_t c) const {
    if (node == 0) return root_[c];
    const Node& n = nodes_[node];
    const Edge* begin = edges_.data() + n.edge_begin;
    const Edge* end = begin + n.edge_count;
    if (n.edge_count <= 8) {
      for (const Edge* e = begin; e != end; ++e) {
        if (e->byte == c) return e->target;
      }
      return kNone;
    }
    const Edge* e =
        std::lower_bound(begin, end, c, [](const Edge& x, uint8_t v) { return x.byte < v; });
    return (e != end && e->byte == c) ? e->target : kNone;
  }

  uint32_t Step(uint32_t state, uint8_t c) const {
    while (true) {
      const uint32_t next = Child(state, c);
      if (next != kNone) return next;
      if (state == 0) return 0;
      state = nodes_[state].fail;
    }
  }

  void Build() {
    // Trie with std::map children first (build time only), then flattened.
    std::vector<std::map<uint8_t, uint32_t>> children(1);
    std::vector<std::vector<uint32_t>> outputs(1);
    for (uint32_t id = 0; id < patterns_.size(); ++id) {
      uint32_t node = 0;
      for (char ch : patterns_[id].bytes) {
        const uint8_t c = Lower(static_cast<uint8_t>(ch));
        auto it = children[node].find(c);
        if (it == children[node].end()) {
          children.emplace_back();
          outputs.emplace_back();
          const uint32_t created = static_cast<uint32_t>(children.size() - 1);
          children[node][c] = created;
          node = created;
        } else {
          node = it->second;
        }
      }
      outputs[node].push_back(id);
    }
    nodes_.resize(children.size());
    for (uint32_t n = 0; n < children.size(); ++n) {
      nodes_[n].edge_begin = static_cast<uint32_t>(edges_.size());
      nodes_[n].edge_count = static_cast<uint16_t>(children[n].size());
      for (const auto& [byte, target] : children[n]) edges_.push_back(Edge{byte, target});
      nodes_[n].out_begin = static_cast<uint32_t>(outputs_.size());
      nodes_[n].out_count = static_cast<uint16_t>(outputs[n].size());
      nodes_[n].has_output = !outputs[n].empty();
      outputs_.insert(outputs_.end(), outputs[n].begin(), outputs[n].end());
    }
    root_.fill(kNone);
    for (const auto& [byte, target] : children[0]) root_[byte] = target;
    // Breadth-first fail and dictionary links.
    std::deque<uint32_t> queue;
    for (const auto& [byte, target] : children[0]) {
      nodes_[target].fail = 0;
      queue.push_back(target);
    }
    while (!queue.empty()) {
      const uint32_t node = queue.front();
      queue.pop_front();
      for (const auto& [byte, target] : children[node]) {
        uint32_t f = nodes_[node].fail;
        uint32_t next;
        while ((next = Child(f, byte)) == kNone && f != 0) f = nodes_[f].fail;
        nodes_[target].fail = (next == kNone || next == target) ? 0 : next;
        const uint32_t fail = nodes_[target].fail;
        nodes_[target].dict = nodes_[fail].has_output ? fail : nodes_[fail].dict;
        queue.push_back(target);
      }
    }
  }

  std::vector<PrefilterPattern> patterns_;
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::vector<uint32_t> outputs_;
  std::array<uint32_t, 256> root_{};
};

}  // namespace

absl::StatusOr<std::unique_ptr<MultiPatternMatcher>> BuildAhoCorasick(
    const std::vector<PrefilterPattern>& patterns) {
  for (const auto& p : patterns) {
    if (p.bytes.empty()) return absl::InvalidArgumentError("empty prefilter pattern");
  }
  return std::unique_ptr<MultiPatternMatcher>(new AhoCorasick(patterns));
}

}  // namespace otasuke::network::detect
