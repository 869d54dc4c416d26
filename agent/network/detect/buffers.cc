#include <array>
#include <string_view>

#include "agent/network/detect/inspection.h"

namespace otasuke::network::detect {

std::string_view BufferName(BufferId id) {
  static constexpr std::array<std::string_view, kBufferCount> kNames = {
      "pkt_data",          "stream",
      "http.uri",          "http.uri.raw",
      "http.method",       "http.protocol",
      "http.request_line", "http.host",
      "http.host.raw",     "http.user_agent",
      "http.header",       "http.header.raw",
      "http.cookie",       "http.content_type",
      "http.referer",      "http.request_body",
      "http.stat_code",    "http.stat_msg",
      "file.data",         "dns.query",
      "tls.sni",
  };
  const auto index = static_cast<size_t>(id);
  return index < kNames.size() ? kNames[index] : std::string_view("unknown");
}

bool BufferIsToServerOnly(BufferId id) { return id == BufferId::kHttpRequestBody; }

}  // namespace otasuke::network::detect
