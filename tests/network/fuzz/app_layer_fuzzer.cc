// Fuzzes each app-layer parser on its own: HTTP, DNS (datagram and TCP framing) and TLS.
// Input: [selector byte] then chunks [1-byte direction/length header][bytes], so one input
// exercises arbitrary segmentation of both directions.

#include <cstdint>

#include "agent/network/packet/dns.h"
#include "agent/network/packet/http.h"
#include "agent/network/packet/tls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int which = data[0] % 4;
  otasuke::network::HttpConfig http_config;
  http_config.request_body_limit = 256;
  http_config.response_body_limit = 256;
  otasuke::network::HttpParser http(http_config);
  otasuke::network::DnsParser dns;
  otasuke::network::TlsParser tls;
  size_t pos = 1;
  while (pos < size) {
    const int direction = data[pos] & 1;
    const size_t len = std::min<size_t>((data[pos] >> 1) + 1, size - pos - 1);
    ++pos;
    const uint8_t* chunk = data + pos;
    const uint32_t n = static_cast<uint32_t>(len);
    switch (which) {
      case 0:
        http.Feed(direction, chunk, n);
        http.ReleaseCompleted();
        if (len == 1) http.OnClose(direction);
        break;
      case 1:
        dns.FeedDatagram(direction, chunk, n);
        dns.ClearMessages();
        break;
      case 2:
        dns.FeedStream(direction, chunk, n);
        dns.ClearMessages();
        break;
      default:
        tls.Feed(direction, chunk, n);
        break;
    }
    pos += len;
  }
  return 0;
}
