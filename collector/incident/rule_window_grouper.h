#pragma once
// One incident per tenant + host + rule while alerts keep coming within a window of the last
// one (default one hour).

#include "collector/incident/grouper.h"

namespace otasuke::collector {

inline constexpr size_t kMaxDedupKeyLength = 255;  // PagerDuty Events API v2 limit

class RuleWindowGrouper final : public IncidentGrouper {
 public:
  explicit RuleWindowGrouper(absl::Duration window) : window_(window) {}
  std::string GroupKey(const v1::Alert& alert) const override;
  bool Joins(absl::Time incident_last_seen, absl::Time now) const override;
  std::string DedupKey(const v1::Alert& alert, absl::Time first_seen) const override;

 private:
  absl::Duration window_;
};

}  // namespace otasuke::collector
