#pragma once
// The incident-grouping seams. The store asks an IncidentGrouper, inside the transaction that
// stores an alert, which open incident the alert joins: the alert names the entities it is about
// (its rule, its process and parent, the remote address, the flow) as group keys scoped to its
// tenant and host; it joins the newest open incident of its first key that has one within the
// window, and every key of the alert then leads to that incident. Entity groupers each yield
// the keys of one kind; GrouperChain (grouper_chain.h) orders them as configured.

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::collector {

inline constexpr size_t kMaxDedupKeyLength = 255;  // PagerDuty Events API v2 limit

// One kind of entity alerts share ("rule", "process_tree", "remote_ip", "community_id").
class EntityGrouper {
 public:
  virtual ~EntityGrouper() = default;
  // The configuration name of this kind.
  virtual std::string_view name() const = 0;
  // Appends the keys of `alert`'s entities of this kind (none when it has none), each scoped
  // to the alert's tenant and host (ScopedGroupKey in group_keys.h).
  virtual void AppendKeys(const v1::Alert& alert, std::vector<std::string>* keys) const = 0;
};

class IncidentGrouper {
 public:
  virtual ~IncidentGrouper() = default;
  // Appends the group keys of `alert` in precedence order; at least one.
  virtual void GroupKeys(const v1::Alert& alert, std::vector<std::string>* keys) const = 0;
  // Whether an alert arriving at `now` joins an open incident whose last alert came at
  // `incident_last_seen`.
  virtual bool Joins(absl::Time incident_last_seen, absl::Time now) const = 0;
  // A PagerDuty-compatible dedup key (<= kMaxDedupKeyLength characters) for an incident opened
  // at `first_seen` under `group_key` (one of GroupKeys).
  virtual std::string DedupKey(std::string_view group_key, absl::Time first_seen) const = 0;
};

}  // namespace otasuke::collector
