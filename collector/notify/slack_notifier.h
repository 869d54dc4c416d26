#pragma once
// Slack-compatible chat notifier: POSTs an incoming-webhook message (a "text" fallback plus
// Block Kit blocks with the Japanese and English SME message) to the notification's target URL.
// Mattermost, Rocket.Chat and Google Chat's Slack adapters accept the same body.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/notify/notifier.h"

namespace otasuke::collector {

struct SlackConfig {
  absl::Duration timeout = absl::Seconds(10);
};

// The request body (exposed for golden tests).
std::string SlackPayloadJson(const NotificationJob& job);

class SlackNotifier final : public Notifier {
 public:
  static absl::StatusOr<std::unique_ptr<Notifier>> Create(const SlackConfig& config);

  std::string_view channel() const override { return "slack"; }
  // job.target is the incoming-webhook URL.
  DeliveryResult Deliver(const NotificationJob& job, int attempt) override;

 private:
  explicit SlackNotifier(SlackConfig config) : config_(config) {}
  SlackConfig config_;
};

}  // namespace otasuke::collector
