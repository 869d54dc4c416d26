#pragma once
// Notices a stream that takes alerts but acknowledges none. A link that silently stopped
// forwarding (a router or NAT that drops packets without a FIN or RST) looks healthy to TCP for
// many minutes, and a gRPC write into it succeeds until the socket buffers fill. The collector
// acknowledges every batch after its commit, so alerts sent and not acknowledged for longer
// than the timeout mean the stream is dead: the transport cancels it and reconnects, and the
// spool resends everything unacknowledged (the collector's (agent, sequence) idempotence makes
// the resend harmless). Any acknowledgement is progress and restarts the wait, so a collector
// that is slow but working is never cut off.
//
// Thread-safe: Sent() is called by the writing thread, Acked() by the reading thread, Expired()
// by the watchdog. Called once per batch, not per alert.

#include <algorithm>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace otasuke::agent {

class AckDeadline {
 public:
  AckDeadline(absl::Duration timeout, const Clock& clock) : timeout_(timeout), clock_(clock) {}

  // Alerts up to `last_sequence` were written to the stream.
  void Sent(uint64_t last_sequence) {
    absl::MutexLock lock(&mu_);
    if (sent_ <= acked_) waiting_since_ = clock_.Now();  // the wait starts with this batch
    sent_ = std::max(sent_, last_sequence);
  }

  // The collector acknowledged everything up to `sequence`.
  void Acked(uint64_t sequence) {
    absl::MutexLock lock(&mu_);
    if (sequence <= acked_) return;
    acked_ = sequence;
    waiting_since_ = clock_.Now();
  }

  // True when sent alerts have waited longer than the timeout without any acknowledgement.
  bool Expired() const {
    absl::MutexLock lock(&mu_);
    return sent_ > acked_ && clock_.Now() - waiting_since_ > timeout_;
  }

  // How long a watchdog may sleep and still see the expiry on time: until the wait in progress
  // expires (zero once it has), or a whole timeout when nothing waits — a batch sent from now
  // on cannot expire sooner. So an idle stream costs one check per timeout, not several.
  absl::Duration UntilExpiry() const {
    absl::MutexLock lock(&mu_);
    if (sent_ <= acked_) return timeout_;
    return std::max(absl::ZeroDuration(), waiting_since_ + timeout_ - clock_.Now());
  }

  // Sent alerts not acknowledged (by sequence span), for the log line.
  uint64_t unacknowledged() const {
    absl::MutexLock lock(&mu_);
    return sent_ > acked_ ? sent_ - acked_ : 0;
  }

  absl::Duration timeout() const { return timeout_; }

 private:
  const absl::Duration timeout_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  uint64_t sent_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t acked_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time waiting_since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace otasuke::agent
