#include "collector/incident/rule_window_grouper.h"

#include "collector/incident/group_keys.h"

namespace otasuke::collector {

void RuleWindowGrouper::GroupKeys(const v1::Alert& alert, std::vector<std::string>* keys) const {
  rule_.AppendKeys(alert, keys);
}

bool RuleWindowGrouper::Joins(absl::Time incident_last_seen, absl::Time now) const {
  return now - incident_last_seen <= window_;
}

std::string RuleWindowGrouper::DedupKey(std::string_view group_key, absl::Time first_seen) const {
  return DedupKeyFor(group_key, first_seen);
}

}  // namespace otasuke::collector
