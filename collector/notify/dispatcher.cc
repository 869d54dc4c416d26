#include "collector/notify/dispatcher.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace otasuke::collector {

NotificationDispatcher::NotificationDispatcher(Store& store, const Clock& clock,
                                               DispatcherOptions options)
    : store_(store), clock_(clock), options_(options) {}

NotificationDispatcher::~NotificationDispatcher() { Stop(); }

absl::Status NotificationDispatcher::AddNotifier(std::unique_ptr<Notifier> notifier) {
  std::string channel(notifier->channel());
  if (notifiers_.count(channel) != 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("a notifier for channel '", channel, "' is already registered"));
  }
  notifiers_.emplace(std::move(channel), std::move(notifier));
  return absl::OkStatus();
}

absl::Duration NotificationDispatcher::BackoffAfter(int attempt) const {
  absl::Duration delay = options_.initial_backoff;
  for (int i = 1; i < attempt && delay < options_.max_backoff; ++i) delay *= 2;
  return std::min(delay, options_.max_backoff);
}

absl::StatusOr<int> NotificationDispatcher::RunDue() {
  ASSIGN_OR_RETURN(std::vector<NotificationJob> jobs,
                   store_.DueNotifications(clock_.Now(), options_.batch_size));
  int made = 0;
  for (const NotificationJob& job : jobs) {
    NotificationAttempt attempt;
    attempt.notification_id = job.id;
    attempt.attempt = job.attempts + 1;
    attempt.started = clock_.Now();
    DeliveryResult result;
    auto it = notifiers_.find(job.channel);
    if (it == notifiers_.end()) {
      result.error = absl::StrCat("no notifier for channel '", job.channel, "'");
    } else {
      result = it->second->Deliver(job, attempt.attempt);
    }
    attempt.finished = clock_.Now();
    attempt.ok = result.ok;
    attempt.http_status = result.http_status;
    attempt.error = result.error;
    attempt.final = !result.ok && attempt.attempt >= options_.max_attempts;
    attempt.next_attempt_at = result.ok || attempt.final
                                  ? attempt.finished
                                  : attempt.finished + BackoffAfter(attempt.attempt);
    if (result.ok) {
      LOG_INFO("notification %d for incident %d delivered (%s, attempt %d)", job.id,
               job.incident.id(), job.channel, attempt.attempt);
    } else if (attempt.final) {
      LOG_ERROR("notification %d for incident %d failed after %d attempts: %s", job.id,
                job.incident.id(), attempt.attempt, result.error);
    } else {
      LOG_WARN("notification %d attempt %d failed, retrying in %s: %s", job.id, attempt.attempt,
               absl::FormatDuration(attempt.next_attempt_at - attempt.finished), result.error);
    }
    RETURN_IF_ERROR(AwaitWrite(
        [&](Store::Done done) { store_.RecordNotificationAttempt(attempt, std::move(done)); }));
    ++made;
    absl::MutexLock lock(&mu_);
    counters_.attempts += 1;
    if (result.ok) counters_.delivered += 1;
    if (!result.ok) counters_.failed_attempts += 1;
    if (attempt.final) counters_.given_up += 1;
  }
  return made;
}

void NotificationDispatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void NotificationDispatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void NotificationDispatcher::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

DispatcherCounters NotificationDispatcher::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

void NotificationDispatcher::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      woken_ = false;
    }
    absl::StatusOr<int> made = RunDue();
    if (!made.ok()) LOG_ERROR("notification dispatch: %s", made.status().ToString());
    absl::MutexLock lock(&mu_);
    // A full batch means more may be due: go round again without waiting.
    if (made.ok() && *made >= options_.batch_size) continue;
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](NotificationDispatcher* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                                  self->mu_) { return self->woken_ || self->stopping_; },
                             this),
                         options_.poll_interval);
  }
}

}  // namespace otasuke::collector
