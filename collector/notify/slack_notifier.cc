#include "collector/notify/slack_notifier.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "collector/notify/http_post.h"
#include "collector/notify/sme_message.h"

namespace otasuke::collector {
namespace {

// Block Kit limits: header text 150 characters, section text 3,000.
constexpr size_t kHeaderBytes = 150;
constexpr size_t kSectionBytes = 3000;

nlohmann::json PlainSection(const std::string& text) {
  return {{"type", "section"},
          {"text", {{"type", "plain_text"}, {"text", TruncateUtf8(text, kSectionBytes)}}}};
}

}  // namespace

std::string SlackPayloadJson(const NotificationJob& job) {
  SmeMessage message = BuildSmeMessage(job);
  nlohmann::json body = {
      {"text", absl::StrCat(message.ja.subject, "\n", message.en.subject)},
      {"blocks",
       {{{"type", "header"},
         {"text",
          {{"type", "plain_text"}, {"text", TruncateUtf8(message.ja.subject, kHeaderBytes)}}}},
        PlainSection(message.ja.body),
        {{"type", "divider"}},
        PlainSection(absl::StrCat(message.en.subject, "\n\n", message.en.body)),
        {{"type", "context"},
         {"elements",
          {{{"type", "plain_text"},
            {"text", TruncateUtf8(job.incident.dedup_key(), kHeaderBytes)}}}}}}},
  };
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<std::unique_ptr<Notifier>> SlackNotifier::Create(const SlackConfig& config) {
  if (config.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("slack: timeout must be positive");
  }
  InitCurlOnce();
  return std::unique_ptr<Notifier>(new SlackNotifier(config));
}

DeliveryResult SlackNotifier::Deliver(const NotificationJob& job, int /*attempt*/) {
  std::string body = SlackPayloadJson(job);
  return PostJson({.url = job.target, .body = body, .timeout = config_.timeout});
}

}  // namespace otasuke::collector
