#pragma once
// How group keys are spelled, shared by every grouper: "<tenant>\x1f<host>\x1f<entity>". Unit
// separators cannot occur in tenant ids or host names (the stream validator's character sets),
// so keys of different tenants or hosts never collide. The rule entity is spelled
// "<ENGINE>:<rule id>", as before entity grouping, so incidents opened by an older collector
// keep collecting their alerts after an upgrade.

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::collector {

// `entity` is "<kind>:<value>" (or the rule's "<ENGINE>:<rule id>").
std::string ScopedGroupKey(const v1::Alert& alert, std::string_view entity);

// "otasuke/<tenant>/<host>/<entity>/<first seen, Unix µs>"; one longer than 255 characters keeps
// a readable prefix and ends in "#<SHA-256 of the whole key>", so it stays unique.
std::string DedupKeyFor(std::string_view group_key, absl::Time first_seen);

}  // namespace otasuke::collector
