#include "collector/incident/grouper_chain.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "collector/incident/entity_groupers.h"
#include "collector/incident/group_keys.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

struct GrouperEntry {
  std::string_view name;
  std::unique_ptr<EntityGrouper> (*make)();
};

template <typename T>
std::unique_ptr<EntityGrouper> Make() {
  return std::make_unique<T>();
}

// Every entity kind, by configuration name. Add a kind here and in docs/INCIDENTS.md.
constexpr GrouperEntry kGroupers[] = {
    {.name = "community_id", .make = &Make<CommunityIdGrouper>},
    {.name = "process_tree", .make = &Make<ProcessTreeGrouper>},
    {.name = "remote_ip", .make = &Make<RemoteIpGrouper>},
    {.name = "rule", .make = &Make<RuleGrouper>},
};

std::string KnownKinds() {
  std::vector<std::string> names;
  for (const GrouperEntry& entry : kGroupers) names.emplace_back(entry.name);
  return absl::StrJoin(names, ", ");
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrouperChain>> GrouperChain::Create(std::string_view group_by,
                                                                   absl::Duration window) {
  std::vector<std::unique_ptr<EntityGrouper>> groupers;
  std::vector<std::string> seen;
  bool has_rule = false;
  for (absl::string_view part : absl::StrSplit(Sv(group_by), ',')) {
    std::string name(absl::StripAsciiWhitespace(part));
    if (name.empty()) continue;
    auto entry = std::find_if(std::begin(kGroupers), std::end(kGroupers),
                              [&](const GrouperEntry& e) { return e.name == name; });
    if (entry == std::end(kGroupers)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown entity '", name, "' (known: ", KnownKinds(), ")"));
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return absl::InvalidArgumentError(absl::StrCat("entity '", name, "' is listed twice"));
    }
    seen.push_back(name);
    has_rule = has_rule || name == "rule";
    groupers.push_back(entry->make());
  }
  if (!has_rule) groupers.push_back(std::make_unique<RuleGrouper>());
  return std::unique_ptr<GrouperChain>(new GrouperChain(std::move(groupers), window));
}

void GrouperChain::GroupKeys(const v1::Alert& alert, std::vector<std::string>* keys) const {
  for (const auto& grouper : groupers_) grouper->AppendKeys(alert, keys);
}

bool GrouperChain::Joins(absl::Time incident_last_seen, absl::Time now) const {
  return now - incident_last_seen <= window_;
}

std::string GrouperChain::DedupKey(std::string_view group_key, absl::Time first_seen) const {
  return DedupKeyFor(group_key, first_seen);
}

std::vector<std::string_view> GrouperChain::kinds() const {
  std::vector<std::string_view> names;
  for (const auto& grouper : groupers_) names.push_back(grouper->name());
  return names;
}

}  // namespace otasuke::collector
