#pragma once
// Email notifier: sends the SME message over SMTP with libcurl, as one MIME message with two
// text/plain parts (Japanese first, then English, each with its Content-Language). The target of
// a notification is its recipient list ("a@example.jp, b@example.jp").

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/notify/notifier.h"
#include "common/clock.h"

namespace otasuke::collector {

struct EmailConfig {
  std::string smtp_url;  // smtp://host:port (STARTTLS when offered) or smtps://host:port
  std::string from;      // envelope and header sender: "otasuke@helpdesk.example"
  std::string username;  // empty: no SMTP AUTH
  std::string password;
  absl::Duration timeout = absl::Seconds(30);
  const Clock* clock = &RealClock::Get();  // for the Date header
};

// Splits and checks "a@x, b@y": each must look like an address and carry no line breaks or
// angle brackets (header injection).
absl::StatusOr<std::vector<std::string>> ParseRecipients(std::string_view list);

// The complete RFC 5322 message (CRLF line ends), for golden tests.
std::string EmailMessageText(const NotificationJob& job, const std::string& from,
                             const std::vector<std::string>& to, absl::Time date);

class EmailNotifier final : public Notifier {
 public:
  static absl::StatusOr<std::unique_ptr<Notifier>> Create(EmailConfig config);

  std::string_view channel() const override { return "email"; }
  DeliveryResult Deliver(const NotificationJob& job, int attempt) override;

 private:
  explicit EmailNotifier(EmailConfig config) : config_(std::move(config)) {}
  EmailConfig config_;
};

}  // namespace otasuke::collector
