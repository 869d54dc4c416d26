#pragma once
// Per-thread threshold / detection_filter tracking (Suricata's detect-engine-threshold
// semantics), keyed by rule and by the tracked address(es). Entries older than their window
// are pruned when the table grows, so it stays bounded by the active keys.

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "agent/network/detect/inspection.h"
#include "agent/network/detect/rule.h"

namespace otasuke::network::detect {

class ThresholdTracker {
 public:
  // True when this match may alert.
  bool Allow(const Rule& rule, const ThresholdSpec& spec, const Inspection& inspection);
  void Clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }

 private:
  struct Key {
    uint32_t rule;
    uint8_t kind;  // threshold or detection_filter
    IpAddress a;
    IpAddress b;
    bool operator==(const Key& o) const {
      return rule == o.rule && kind == o.kind && a.family == o.a.family && a.bytes == o.a.bytes &&
             b.family == o.b.family && b.bytes == o.b.bytes;
    }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.rule, k.kind, k.a.family, k.a.bytes, k.b.family, k.b.bytes);
    }
  };
  struct Entry {
    int64_t window_start_us = 0;
    int64_t window_us = 0;
    uint32_t count = 0;
  };
  void PruneOlderThan(int64_t now_us);

  absl::flat_hash_map<Key, Entry> entries_;
  size_t prune_at_ = 4096;
};

}  // namespace otasuke::network::detect
