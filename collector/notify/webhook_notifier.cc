#include "collector/notify/webhook_notifier.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <mutex>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "collector/notify/payload.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

size_t DiscardBody(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

WebhookNotifier::WebhookNotifier(Options options) : options_(std::move(options)) {
  // libcurl's global set-up is not thread-safe; do it once, before the first delivery.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

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
  DeliveryResult result;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    result.error = "curl_easy_init failed";
    return result;
  }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
  headers = curl_slist_append(headers, "User-Agent: otasuke-collector/" OTASUKE_VERSION);
  std::string delivery = absl::StrCat("X-Otasuke-Delivery: ", job.id, "-", attempt);
  headers = curl_slist_append(headers, delivery.c_str());
  std::string signature;
  if (!options_.secret.empty()) {
    signature = absl::StrCat(Sv(kSignatureHeader), ": ", WebhookSignature(options_.secret, body));
    headers = curl_slist_append(headers, signature.c_str());
  }
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, job.target.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // we are multi-threaded
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    result.error = absl::StrCat("POST ", job.target, ": ",
                                error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc));
  } else {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    result.http_status = static_cast<int>(status);
    result.ok = status >= 200 && status < 300;
    if (!result.ok) result.error = absl::StrCat("POST ", job.target, ": HTTP ", status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return result;
}

}  // namespace otasuke::collector
