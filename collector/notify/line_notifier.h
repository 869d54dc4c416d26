#pragma once
// LINE Messaging API-compatible push notifier: POSTs {"to": <target>, "messages": [ja, en]}
// (each {"type": "text", "text": ...}) as application/json to the push endpoint with the channel
// access token as a bearer token (Authorization: Bearer <token>). Each notification carries a
// stable X-Line-Retry-Key, so a retry after a lost answer is not delivered twice (the API answers
// 409 to a key it already accepted, which counts as delivered).

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/notify/notifier.h"

namespace otasuke::collector {

inline constexpr std::string_view kLinePushEndpoint = "https://api.line.me/v2/bot/message/push";
// A text message's "text" holds at most 5,000 characters, counted in UTF-16 code units
// (developers.line.biz, "Text character count"): a kanji is one, most emoji two.
inline constexpr size_t kLineTextMaxUtf16Units = 5000;

struct LineConfig {
  std::string endpoint = std::string(kLinePushEndpoint);
  std::string access_token;  // the channel access token (read from a file at start)
  absl::Duration timeout = absl::Seconds(10);
};

// The request body for push to `job.target` (a user, group or room id); for golden tests.
std::string LinePushJson(const NotificationJob& job);
// UUID-shaped key derived from the notification, the same for all its attempts.
std::string LineRetryKey(const NotificationJob& job);

class LineNotifier final : public Notifier {
 public:
  static absl::StatusOr<std::unique_ptr<Notifier>> Create(LineConfig config);

  std::string_view channel() const override { return "line"; }
  DeliveryResult Deliver(const NotificationJob& job, int attempt) override;

 private:
  explicit LineNotifier(LineConfig config) : config_(std::move(config)) {}
  LineConfig config_;
};

}  // namespace otasuke::collector
