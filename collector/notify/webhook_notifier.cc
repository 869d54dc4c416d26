#include "collector/notify/webhook_notifier.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "collector/notify/http_post.h"
#include "collector/notify/payload.h"
#include "common/strings.h"

namespace otasuke::collector {
WebhookNotifier::WebhookNotifier(Options options) : options_(std::move(options)) { InitCurlOnce(); }

std::string WebhookSignature(std::string_view secret, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &mac_len);
  return absl::StrCat("sha256=", absl::BytesToHexString(absl::string_view(
                                     reinterpret_cast<const char*>(mac), mac_len)));
}

DeliveryResult WebhookNotifier::Deliver(const NotificationJob& job, int attempt) {
  std::string body = IncidentPayloadJson(job);
  JsonPost post{.url = job.target, .body = body, .timeout = options_.timeout};
  post.extra_headers.push_back(absl::StrCat("X-Otasuke-Delivery: ", job.id, "-", attempt));
  if (!options_.secret.empty()) {
    post.extra_headers.push_back(
        absl::StrCat(Sv(kSignatureHeader), ": ", WebhookSignature(options_.secret, body)));
  }
  return PostJson(post);
}

}  // namespace otasuke::collector
