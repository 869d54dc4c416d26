#pragma once
// One JSON POST with libcurl, shared by every HTTP channel (webhook, Slack, LINE) so they differ
// only in the body and headers they build.

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "collector/notify/notifier.h"

namespace otasuke::collector {

struct JsonPost {
  std::string_view url;
  std::string_view body;
  std::vector<std::string> extra_headers;  // "Name: value"
  absl::Duration timeout = absl::Seconds(10);
};

// libcurl's global set-up is not thread-safe: every notifier calls this once when constructed.
void InitCurlOnce();

// ok for any 2xx; otherwise the error names the URL and the curl error or HTTP status.
DeliveryResult PostJson(const JsonPost& post);

}  // namespace otasuke::collector
