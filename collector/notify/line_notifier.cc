#include "collector/notify/line_notifier.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/notify/http_post.h"
#include "collector/notify/sme_message.h"
#include "common/sha256.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

nlohmann::json TextMessage(const SmeText& text) {
  return {{"type", "text"},
          {"text",
           TruncateUtf16(absl::StrCat(text.subject, "\n\n", text.body), kLineTextMaxUtf16Units)}};
}

}  // namespace

std::string LinePushJson(const NotificationJob& job) {
  SmeMessage message = BuildSmeMessage(job);
  nlohmann::json body = {{"to", job.target},
                         {"messages", {TextMessage(message.ja), TextMessage(message.en)}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string LineRetryKey(const NotificationJob& job) {
  std::string hex = Sha256Hex(absl::StrCat("otasuke-line/", job.id, "/", job.incident.dedup_key()));
  // Shape it as a version 4 UUID: the API checks the format only.
  hex[12] = '4';
  hex[16] = "89ab"[hex[16] % 4];
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20, 12));
}

absl::StatusOr<std::unique_ptr<Notifier>> LineNotifier::Create(LineConfig config) {
  if (!absl::StartsWith(config.endpoint, "https://") &&
      !absl::StartsWith(config.endpoint, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line.url: '", config.endpoint, "' must start with https:// (or http:// for a test)"));
  }
  if (config.access_token.empty()) {
    return absl::InvalidArgumentError("line: the channel access token is empty");
  }
  if (config.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("line: timeout must be positive");
  }
  InitCurlOnce();
  return std::unique_ptr<Notifier>(new LineNotifier(std::move(config)));
}

DeliveryResult LineNotifier::Deliver(const NotificationJob& job, int /*attempt*/) {
  std::string body = LinePushJson(job);
  JsonPost post{.url = config_.endpoint, .body = body, .timeout = config_.timeout};
  post.extra_headers.push_back(absl::StrCat("Authorization: Bearer ", config_.access_token));
  post.extra_headers.push_back(absl::StrCat("X-Line-Retry-Key: ", LineRetryKey(job)));
  DeliveryResult result = PostJson(post);
  if (result.http_status == 409) {
    // An earlier attempt with this retry key was accepted; its answer was lost.
    result.ok = true;
    result.error.clear();
  }
  return result;
}

}  // namespace otasuke::collector
