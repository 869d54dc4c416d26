#pragma once
// The notifier seam: one delivery attempt of one notification over one channel. Retries,
// backoff and recording are the dispatcher's job, so a notifier stays a small adapter (webhook
// now; SMTP, Slack- and LINE-compatible chat in the dispatch issue).

#include <string>
#include <string_view>

#include "collector/store/store.h"

namespace otasuke::collector {

struct DeliveryResult {
  bool ok = false;
  int http_status = 0;  // 0 when no HTTP answer came back
  std::string error;    // why it failed, for the attempt record
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // The channel name stored in notifications.channel ("webhook").
  virtual std::string_view channel() const = 0;
  // One attempt. May block (network I/O): it runs on the dispatcher's own thread.
  virtual DeliveryResult Deliver(const NotificationJob& job, int attempt) = 0;
};

}  // namespace otasuke::collector
