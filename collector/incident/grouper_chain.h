#pragma once
// The IncidentGrouper the collector runs: entity groupers in configured precedence order
// (`incidents.group_by`), one window for all. The rule grouper is always part of the chain,
// last unless the list names it earlier, so every alert has a key.

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/incident/grouper.h"

namespace otasuke::collector {

// The default precedence: the most specific entity first.
inline constexpr std::string_view kDefaultGroupBy = "community_id,process_tree,remote_ip,rule";

class GrouperChain final : public IncidentGrouper {
 public:
  // `group_by`: comma-separated entity kinds, e.g. kDefaultGroupBy. Errors name the unknown or
  // repeated kind and list the known ones.
  static absl::StatusOr<std::unique_ptr<GrouperChain>> Create(std::string_view group_by,
                                                              absl::Duration window);

  void GroupKeys(const v1::Alert& alert, std::vector<std::string>* keys) const override;
  bool Joins(absl::Time incident_last_seen, absl::Time now) const override;
  std::string DedupKey(std::string_view group_key, absl::Time first_seen) const override;

  // The kinds in precedence order (the rule appended if the list did not name it).
  std::vector<std::string_view> kinds() const;

 private:
  GrouperChain(std::vector<std::unique_ptr<EntityGrouper>> groupers, absl::Duration window)
      : groupers_(std::move(groupers)), window_(window) {}

  std::vector<std::unique_ptr<EntityGrouper>> groupers_;
  absl::Duration window_;
};

}  // namespace otasuke::collector
