#include "agent/sigma/correlation.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace otasuke::agent::sigma {
namespace {

bool FieldValue(const Event& event, const FieldRef& f, std::string* out) {
  if (f.id.has_value()) {
    if (!event.Has(*f.id)) return false;
    *out = std::string(event.Get(*f.id));
    return true;
  }
  const std::string* v = event.FindExtra(f.name);
  if (v == nullptr) return false;
  *out = *v;
  return true;
}

bool AllHold(const std::vector<CountCondition>& conditions, uint64_t count) {
  for (const CountCondition& c : conditions) {
    if (!c.Holds(count)) return false;
  }
  return true;
}

}  // namespace

size_t CorrelationEngine::group_count() const {
  size_t n = 0;
  for (const Groups& g : state_) n += g.size();
  return n;
}

CorrelationEngine::Group& CorrelationEngine::GroupFor(Groups& groups, const std::string& key,
                                                      absl::Time now, absl::Duration timespan) {
  auto it = groups.find(key);
  if (it != groups.end()) return it->second;
  if (groups.size() >= max_groups_) {
    // Expired groups go first and silently; then the least recently updated one, counted.
    absl::erase_if(groups, [&](const auto& kv) { return kv.second.last_update < now - timespan; });
    if (groups.size() >= max_groups_) {
      auto oldest = std::min_element(
          groups.begin(), groups.end(),
          [](const auto& a, const auto& b) { return a.second.last_update < b.second.last_update; });
      groups.erase(oldest);
      ++stats_.group_evictions;
    }
  }
  return groups[key];
}

void CorrelationEngine::Update(const CompiledSigmaRules& rules, uint32_t correlation,
                               uint32_t position, const Event& event,
                               std::vector<CorrelationHit>* hits) {
  const CorrelationRule& c = rules.correlations()[correlation];
  ++stats_.updates;
  const absl::Time now = event.time() == absl::InfinitePast() ? absl::Now() : event.time();
  std::string key;
  for (size_t g = 0; g < c.group_fields.size(); ++g) {
    std::string value;
    FieldValue(event, c.group_fields[g][position], &value);
    absl::StrAppend(&key, g == 0 ? "" : ", ", c.group_by[g].name, "=", value);
  }
  Groups& groups = state_[correlation];
  Group& group = GroupFor(groups, key, now, c.timespan);
  group.last_update = now;
  const absl::Time horizon = now - c.timespan;
  uint64_t count = 0;
  bool fired = false;
  switch (c.type) {
    case CorrelationType::kEventCount:
    case CorrelationType::kValueCount: {
      Entry entry{.time = now, .value = {}};
      if (c.type == CorrelationType::kValueCount &&
          !FieldValue(event, c.value_field, &entry.value)) {
        return;  // an event without the counted field adds no value
      }
      group.entries.push_back(std::move(entry));
      while (!group.entries.empty() && group.entries.front().time < horizon) {
        group.entries.pop_front();
      }
      if (group.entries.size() > max_entries_) {
        group.entries.pop_front();
        ++stats_.entry_evictions;
      }
      if (c.type == CorrelationType::kEventCount) {
        count = group.entries.size();
      } else {
        absl::flat_hash_set<std::string_view> distinct;
        for (const Entry& e : group.entries) distinct.insert(e.value);
        count = distinct.size();
      }
      fired = AllHold(c.conditions, count);
      break;
    }
    case CorrelationType::kTemporal: {
      group.seen.resize(c.rules.size(), absl::InfinitePast());
      group.seen[position] = now;
      for (absl::Time t : group.seen) count += t >= horizon ? 1 : 0;
      fired = count == c.rules.size() && (c.conditions.empty() || AllHold(c.conditions, count));
      break;
    }
    case CorrelationType::kTemporalOrdered: {
      group.chain.resize(c.rules.size(), absl::InfinitePast());
      if (position == 0) {
        group.chain[0] = now;
      } else if (group.chain[position - 1] != absl::InfinitePast() &&
                 group.chain[position - 1] >= horizon) {
        group.chain[position] = group.chain[position - 1];
      }
      count = 0;
      for (absl::Time t : group.chain) count += t != absl::InfinitePast() ? 1 : 0;
      fired = position + 1 == c.rules.size() && group.chain[position] != absl::InfinitePast() &&
              (c.conditions.empty() || AllHold(c.conditions, c.rules.size()));
      if (fired) count = c.rules.size();
      break;
    }
  }
  if (fired) {
    hits->push_back({.correlation = correlation, .count = count, .group_key = key});
    ++stats_.hits;
    groups.erase(key);
  }
}

void CorrelationEngine::Observe(const CompiledSigmaRules& rules, const Event& event,
                                const std::vector<uint32_t>& matched,
                                std::vector<CorrelationHit>* hits) {
  if (rules.correlations().empty()) return;
  if (serial_ != rules.serial()) {  // a new rule set: old state refers to old rules
    serial_ = rules.serial();
    state_.assign(rules.correlations().size(), {});
  }
  for (uint32_t r : matched) {
    for (uint32_t ci : rules.correlations_of_rule()[r]) {
      const CorrelationRule& c = rules.correlations()[ci];
      // Later positions first, so one event matching consecutive steps of an ordered
      // correlation advances it by one step only.
      for (size_t p = c.rules.size(); p-- > 0;) {
        if (c.rules[p] == r) Update(rules, ci, static_cast<uint32_t>(p), event, hits);
      }
    }
  }
}

}  // namespace otasuke::agent::sigma
