#pragma once
// The wait between two polls of a source that polls for activity: short while there is
// activity, doubling up to a ceiling while there is none, short again as soon as there is.
//
// Why: on an idle host each poll is the source's whole cost (the connection source reads two
// /proc files to learn that nothing moved), so a quiet host is polled a few times less often;
// a busy one, where the short interval matters, keeps it. The price is detection latency for
// the first activity after a quiet spell: up to the ceiling instead of the short interval.

#include <algorithm>

#include "absl/time/time.h"

namespace otasuke::agent {

class IdlePollInterval {
 public:
  // `active` is the wait while activity is seen; `idle_ceiling` the longest wait (at least
  // `active`).
  IdlePollInterval(absl::Duration active, absl::Duration idle_ceiling)
      : active_(active), ceiling_(std::max(active, idle_ceiling)), current_(active) {}

  // The wait before the next poll, after a poll that saw activity (or not).
  absl::Duration Next(bool saw_activity) {
    current_ = saw_activity ? active_ : std::min(current_ * 2, ceiling_);
    return current_;
  }

 private:
  const absl::Duration active_;
  const absl::Duration ceiling_;
  absl::Duration current_;
};

}  // namespace otasuke::agent
