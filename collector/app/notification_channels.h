#pragma once
// The explicit list of notification channels (webhook, Slack, LINE, email). Each entry turns its
// keys of CollectorConfig into the channel's typed config, validated once at start-up, and
// creates the runtime notifier through the channel's factory. Secrets are read from their files
// here, so a missing or empty file stops the start with the key named.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/app/config.h"
#include "collector/notify/notifier.h"
#include "common/clock.h"

namespace otasuke::collector {

// A channel that is switched on: its notifier and where each new incident goes (URL, LINE id
// or recipient list, as the channel understands it).
struct ConfiguredChannel {
  std::unique_ptr<Notifier> notifier;
  std::string target;
};

// Every channel with its keys set. All problems are reported at once, one per line.
absl::StatusOr<std::vector<ConfiguredChannel>> CreateNotificationChannels(
    const CollectorConfig& config, const Clock& clock);

// The names in registration order ("email", "line", "slack", "webhook").
std::vector<std::string> NotificationChannelNames();

}  // namespace otasuke::collector
