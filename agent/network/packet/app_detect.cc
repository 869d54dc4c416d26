#include "agent/network/packet/app_detect.h"

#include <cstring>
#include <string_view>

#include "agent/network/packet/dns.h"

namespace otasuke::network {
namespace {

constexpr std::string_view kMethods[] = {
    "GET ",
    "POST ",
    "HEAD ",
    "PUT ",
    "DELETE ",
    "OPTIONS ",
    "CONNECT ",
    "TRACE ",
    "PATCH ",
    "PROPFIND ",
    "PROPPATCH ",
    "MKCOL ",
    "COPY ",
    "MOVE ",
    "LOCK ",
    "UNLOCK ",
    "SEARCH ",
    "REPORT ",
    "MKACTIVITY ",
    "CHECKOUT ",
    "MERGE ",
    "SUBSCRIBE ",
    "NOTIFY ",
    // HTTP/2 with prior knowledge: Suricata's http rules cover it (the HTTP/1 parser stops
    // at the binary frames that follow).
    "PRI * HTTP/2.0",
};

// Whether `data` starts with `word` (or with a prefix of it, when data is shorter).
ProbeResult Prefix(const uint8_t* data, uint32_t len, std::string_view word) {
  const size_t n = std::min<size_t>(len, word.size());
  if (std::memcmp(data, word.data(), n) != 0) return ProbeResult::kNoMatch;
  return n == word.size() ? ProbeResult::kMatch : ProbeResult::kNeedMore;
}

}  // namespace

ProbeResult ProbeHttp(int direction, const uint8_t* data, uint32_t len) {
  if (len == 0) return ProbeResult::kNeedMore;
  if (direction == 1) return Prefix(data, len, "HTTP/");
  ProbeResult best = ProbeResult::kNoMatch;
  for (std::string_view method : kMethods) {
    const ProbeResult r = Prefix(data, len, method);
    if (r == ProbeResult::kMatch) return r;
    if (r == ProbeResult::kNeedMore) best = r;
  }
  return best;
}

ProbeResult ProbeTls(int direction, const uint8_t* data, uint32_t len) {
  if (len == 0) return ProbeResult::kNeedMore;
  if (data[0] != 0x16) return ProbeResult::kNoMatch;  // handshake record
  if (len < 3) return ProbeResult::kNeedMore;
  if (data[1] != 3 || data[2] > 4) return ProbeResult::kNoMatch;
  if (len < 6) return ProbeResult::kNeedMore;
  // ClientHello from the client, ServerHello from the server.
  return data[5] == (direction == 0 ? 1 : 2) ? ProbeResult::kMatch : ProbeResult::kNoMatch;
}

ProbeResult ProbeDnsTcp(int direction, const uint8_t* data, uint32_t len, uint16_t sport,
                        uint16_t dport) {
  if (sport != 53 && dport != 53) return ProbeResult::kNoMatch;
  if (len < 2 + 12) return ProbeResult::kNeedMore;
  const uint32_t msg_len = static_cast<uint32_t>(data[0] << 8 | data[1]);
  if (msg_len < 12) return ProbeResult::kNoMatch;
  if (len < 2 + msg_len) {
    // Header sanity is enough to decide before the whole message is in.
    const uint16_t qd = static_cast<uint16_t>(data[6] << 8 | data[7]);
    return qd <= 64 ? ProbeResult::kMatch : ProbeResult::kNoMatch;
  }
  DnsMessage message;
  return ParseDnsMessage(data + 2, msg_len, &message) ? ProbeResult::kMatch : ProbeResult::kNoMatch;
}

ProbeResult DetectTcpProtocol(int direction, const uint8_t* data, uint32_t len, uint16_t sport,
                              uint16_t dport, detect::AppProto* proto) {
  const ProbeResult http = ProbeHttp(direction, data, len);
  if (http == ProbeResult::kMatch) {
    *proto = detect::AppProto::kHttp;
    return http;
  }
  const ProbeResult tls = ProbeTls(direction, data, len);
  if (tls == ProbeResult::kMatch) {
    *proto = detect::AppProto::kTls;
    return tls;
  }
  const ProbeResult dns = ProbeDnsTcp(direction, data, len, sport, dport);
  if (dns == ProbeResult::kMatch) {
    *proto = detect::AppProto::kDns;
    return dns;
  }
  if (http == ProbeResult::kNeedMore || tls == ProbeResult::kNeedMore ||
      dns == ProbeResult::kNeedMore) {
    return ProbeResult::kNeedMore;
  }
  return ProbeResult::kNoMatch;
}

detect::AppProto DetectUdpProtocol(const uint8_t* data, uint32_t len, uint16_t sport,
                                   uint16_t dport) {
  if (sport == 53 || dport == 53 || sport == 5353 || dport == 5353) {
    DnsMessage message;
    if (ParseDnsMessage(data, len, &message)) return detect::AppProto::kDns;
  }
  return detect::AppProto::kUnknown;
}

}  // namespace otasuke::network
