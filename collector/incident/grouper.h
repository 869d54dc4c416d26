#pragma once
// The incident-grouping seam: which alerts belong together. The store asks it, inside the same
// transaction that stores an alert, whether the alert joins an open incident or opens a new one.
// The dispatch issue grows richer groupers (process tree, remote IP, community_id) behind it.

#include <string>

#include "absl/time/time.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::collector {

class IncidentGrouper {
 public:
  virtual ~IncidentGrouper() = default;
  // Alerts with equal keys may share an incident.
  virtual std::string GroupKey(const v1::Alert& alert) const = 0;
  // Whether an alert arriving at `now` joins an open incident whose last alert came at
  // `incident_last_seen`.
  virtual bool Joins(absl::Time incident_last_seen, absl::Time now) const = 0;
  // A PagerDuty-compatible dedup key (<= 255 characters) for a new incident.
  virtual std::string DedupKey(const v1::Alert& alert, absl::Time first_seen) const = 0;
};

}  // namespace otasuke::collector
