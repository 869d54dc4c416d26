#pragma once
// One incident per tenant + host + rule while alerts keep coming within a window of the last
// one: the foundation's grouping, and the chain with only the rule in it (tests and tools that
// want exactly that).

#include "collector/incident/entity_groupers.h"
#include "collector/incident/grouper.h"

namespace otasuke::collector {

class RuleWindowGrouper final : public IncidentGrouper {
 public:
  explicit RuleWindowGrouper(absl::Duration window) : window_(window) {}
  void GroupKeys(const v1::Alert& alert, std::vector<std::string>* keys) const override;
  bool Joins(absl::Time incident_last_seen, absl::Time now) const override;
  std::string DedupKey(std::string_view group_key, absl::Time first_seen) const override;

 private:
  RuleGrouper rule_;
  absl::Duration window_;
};

}  // namespace otasuke::collector
