#include "collector/app/notification_channels.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/notify/email_notifier.h"
#include "collector/notify/line_notifier.h"
#include "collector/notify/slack_notifier.h"
#include "collector/notify/webhook_notifier.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

// The first line of a secret file; `key` names the setting in errors.
absl::StatusOr<std::string> ReadSecret(std::string_view key, const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(Sv(key), ": cannot read ", path));
  std::string secret;
  std::getline(in, secret);
  if (secret.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(key), ": ", path, " is empty"));
  }
  return secret;
}

absl::StatusOr<ConfiguredChannel> Webhook(const CollectorConfig& c, const Clock&) {
  WebhookNotifier::Options options{.secret = "", .timeout = c.webhook_timeout};
  if (!c.webhook_secret_file.empty()) {
    ASSIGN_OR_RETURN(options.secret, ReadSecret("webhook.secret_file", c.webhook_secret_file));
  }
  return ConfiguredChannel{std::make_unique<WebhookNotifier>(options), c.webhook_url};
}

absl::StatusOr<ConfiguredChannel> Slack(const CollectorConfig& c, const Clock&) {
  if (!absl::StartsWith(c.slack_url, "https://") && !absl::StartsWith(c.slack_url, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("slack.url: '", c.slack_url, "' must start with https:// or http://"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Notifier> notifier,
                   SlackNotifier::Create(SlackConfig{.timeout = c.webhook_timeout}));
  return ConfiguredChannel{std::move(notifier), c.slack_url};
}

absl::StatusOr<ConfiguredChannel> Line(const CollectorConfig& c, const Clock&) {
  if (c.line_token_file.empty()) {
    return absl::InvalidArgumentError("line.token_file: required when line.to is set");
  }
  LineConfig config{.endpoint = c.line_url, .access_token = "", .timeout = c.webhook_timeout};
  ASSIGN_OR_RETURN(config.access_token, ReadSecret("line.token_file", c.line_token_file));
  ASSIGN_OR_RETURN(std::unique_ptr<Notifier> notifier, LineNotifier::Create(std::move(config)));
  return ConfiguredChannel{std::move(notifier), c.line_to};
}

absl::StatusOr<ConfiguredChannel> Email(const CollectorConfig& c, const Clock& clock) {
  if (absl::Status to = ParseRecipients(c.email_to).status(); !to.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("email.to: ", to.message()));
  }
  EmailConfig config{.smtp_url = c.email_smtp_url,
                     .from = c.email_from,
                     .username = c.email_username,
                     .password = "",
                     .timeout = c.webhook_timeout,
                     .clock = &clock};
  if (!c.email_password_file.empty()) {
    ASSIGN_OR_RETURN(config.password, ReadSecret("email.password_file", c.email_password_file));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Notifier> notifier, EmailNotifier::Create(std::move(config)));
  return ConfiguredChannel{std::move(notifier), c.email_to};
}

struct ChannelEntry {
  std::string_view name;
  // The key whose value switches the channel on.
  std::string CollectorConfig::*switch_key;
  absl::StatusOr<ConfiguredChannel> (*create)(const CollectorConfig&, const Clock&);
};

// ADD NEW CHANNELS HERE, sorted by name.
constexpr ChannelEntry kChannels[] = {
    {.name = "email", .switch_key = &CollectorConfig::email_to, .create = &Email},
    {.name = "line", .switch_key = &CollectorConfig::line_to, .create = &Line},
    {.name = "slack", .switch_key = &CollectorConfig::slack_url, .create = &Slack},
    {.name = "webhook", .switch_key = &CollectorConfig::webhook_url, .create = &Webhook},
};

}  // namespace

absl::StatusOr<std::vector<ConfiguredChannel>> CreateNotificationChannels(
    const CollectorConfig& config, const Clock& clock) {
  std::vector<ConfiguredChannel> channels;
  std::vector<std::string> errors;
  for (const ChannelEntry& entry : kChannels) {
    if ((config.*entry.switch_key).empty()) continue;
    absl::StatusOr<ConfiguredChannel> channel = entry.create(config, clock);
    if (!channel.ok()) {
      errors.emplace_back(channel.status().message());
      continue;
    }
    channels.push_back(std::move(*channel));
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("notification channels:\n  ", absl::StrJoin(errors, "\n  ")));
  }
  return channels;
}

std::vector<std::string> NotificationChannelNames() {
  std::vector<std::string> names;
  for (const ChannelEntry& entry : kChannels) names.emplace_back(entry.name);
  return names;
}

}  // namespace otasuke::collector
