#pragma once
// Sigma correlation rules over time (event_count, value_count, temporal, temporal_ordered),
// fed with the detection-rule matches of each event. State is per thread and bounded: at
// most max_groups group-by keys per correlation and max_entries remembered matches per group;
// what does not fit is evicted (oldest first) and counted. A group fires once when its
// condition holds and then starts over, so a burst raises one alert, not one per event.

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "agent/event/event.h"
#include "agent/sigma/compiled_rules.h"

namespace otasuke::agent::sigma {

struct CorrelationHit {
  uint32_t correlation = 0;  // index into CompiledSigmaRules::correlations()
  uint64_t count = 0;        // events (event_count), distinct values (value_count), rules
  std::string group_key;     // group-by values joined by ", " (field=value)
};

struct CorrelationStats {
  uint64_t updates = 0;
  uint64_t hits = 0;
  uint64_t group_evictions = 0;  // a group dropped to make room for a new one
  uint64_t entry_evictions = 0;  // a remembered match dropped from a full group
};

class CorrelationEngine {
 public:
  explicit CorrelationEngine(size_t max_groups = 10000, size_t max_entries = 1024)
      : max_groups_(max_groups), max_entries_(max_entries) {}

  // `matched` are the detection rules that matched `event` (ascending).
  void Observe(const CompiledSigmaRules& rules, const Event& event,
               const std::vector<uint32_t>& matched, std::vector<CorrelationHit>* hits);
  const CorrelationStats& stats() const { return stats_; }
  size_t group_count() const;

 private:
  struct Entry {
    absl::Time time;
    std::string value;  // value_count
  };
  struct Group {
    absl::Time last_update;
    std::deque<Entry> entries;      // event_count, value_count
    std::vector<absl::Time> seen;   // temporal: last match per referenced rule
    std::vector<absl::Time> chain;  // temporal_ordered: start of chain through rule k
  };
  using Groups = absl::flat_hash_map<std::string, Group>;

  Group& GroupFor(Groups& groups, const std::string& key, absl::Time now, absl::Duration timespan);
  void Update(const CompiledSigmaRules& rules, uint32_t correlation, uint32_t position,
              const Event& event, std::vector<CorrelationHit>* hits);

  size_t max_groups_;
  size_t max_entries_;
  uint64_t serial_ = 0;
  std::vector<Groups> state_;  // per correlation
  CorrelationStats stats_;
};

}  // namespace otasuke::agent::sigma
