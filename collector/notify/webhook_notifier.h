#pragma once
// Webhook notifier: POSTs the incident JSON to a URL with libcurl. With a shared secret, it adds
// "X-Otasuke-Signature: sha256=<hex HMAC-SHA256 of the body>" so the receiver can check origin.

#include <string>

#include "absl/time/time.h"
#include "collector/notify/notifier.h"

namespace otasuke::collector {

inline constexpr std::string_view kSignatureHeader = "X-Otasuke-Signature";

// "sha256=" + lower-case hex HMAC-SHA256(secret, body).
std::string WebhookSignature(std::string_view secret, std::string_view body);

class WebhookNotifier final : public Notifier {
 public:
  struct Options {
    std::string secret;  // empty: unsigned
    absl::Duration timeout = absl::Seconds(10);
  };
  explicit WebhookNotifier(Options options);

  std::string_view channel() const override { return "webhook"; }
  DeliveryResult Deliver(const NotificationJob& job, int attempt) override;

 private:
  Options options_;
};

}  // namespace otasuke::collector
