#include "agent/pipeline/alert_queue.h"

#include "common/log.h"

namespace otasuke::agent {

bool AlertQueue::Push(otasuke::v1::Alert&& alert) {
  const size_t size = alert.ByteSizeLong();
  absl::MutexLock lock(&mu_);
  if (alerts_.size() >= limits_.max_alerts || bytes_ + size > limits_.max_bytes) {
    counters_.CountDrop(otasuke::v1::DROP_REASON_QUEUE_FULL);
    return false;
  }
  absl::StatusOr<uint64_t> seq = state_.NextSequence();
  if (!seq.ok()) {
    // The state file could not be written: without a durable reservation the sequence could
    // repeat after a crash, so the alert is not accepted.
    LOG_ERROR("cannot reserve alert sequence: %s", seq.status().ToString());
    counters_.CountDrop(otasuke::v1::DROP_REASON_QUEUE_FULL);
    return false;
  }
  alert.set_sequence(*seq);
  bytes_ += alert.ByteSizeLong();  // with the sequence, as Ack() will subtract it
  alerts_.push_back(std::move(alert));
  counters_.CountAlert();
  return true;
}

bool AlertQueue::Sendable() const {
  return next_unsent_ < alerts_.size() && next_unsent_ < limits_.max_in_flight;
}

size_t AlertQueue::NextBatch(otasuke::v1::AlertBatch* batch, size_t max_alerts,
                             size_t max_bytes, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return interrupted_ || Sendable(); };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  interrupted_ = false;
  size_t n = 0;
  size_t bytes = 0;
  while (Sendable() && n < max_alerts) {
    const otasuke::v1::Alert& alert = alerts_[next_unsent_];
    const size_t size = alert.ByteSizeLong() + 8;
    if (n > 0 && bytes + size > max_bytes) break;
    *batch->add_alerts() = alert;
    bytes += size;
    ++next_unsent_;
    ++n;
  }
  return n;
}

void AlertQueue::Ack(uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  if (sequence > acked_) acked_ = sequence;
  while (!alerts_.empty() && alerts_.front().sequence() <= sequence) {
    bytes_ -= alerts_.front().ByteSizeLong();
    alerts_.pop_front();
    if (next_unsent_ > 0) --next_unsent_;
  }
}

void AlertQueue::RewindUnsent() {
  absl::MutexLock lock(&mu_);
  next_unsent_ = 0;
}

void AlertQueue::Interrupt() {
  absl::MutexLock lock(&mu_);
  interrupted_ = true;
}

size_t AlertQueue::depth() const {
  absl::MutexLock lock(&mu_);
  return alerts_.size();
}

uint64_t AlertQueue::acked() const {
  absl::MutexLock lock(&mu_);
  return acked_;
}

}  // namespace otasuke::agent
