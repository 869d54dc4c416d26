#include "agent/network/packet/flow.h"

#include <cstring>

#include "agent/network/packet/community_id.h"

namespace otasuke::network {

FlowKey FlowKey::Of(const Packet& p, bool* swapped) {
  uint16_t sport = p.sport;
  uint16_t dport = p.dport;
  if (p.is_icmp()) {
    // ICMP flows are keyed by address pair only (echo ids would split request/reply
    // matching the way Suricata keys them anyway).
    sport = 0;
    dport = 0;
  }
  uint64_t src[2];
  uint64_t dst[2];
  std::memcpy(src, p.src.bytes, 16);
  std::memcpy(dst, p.dst.bytes, 16);
  // Any fixed total order will do: which endpoint is "lo" never leaves the key.
  bool swap;
  if (src[0] != dst[0]) {
    swap = src[0] > dst[0];
  } else if (src[1] != dst[1]) {
    swap = src[1] > dst[1];
  } else {
    swap = sport > dport;
  }
  *swapped = swap;
  FlowKey k;
  k.words[0] = swap ? dst[0] : src[0];
  k.words[1] = swap ? dst[1] : src[1];
  k.words[2] = swap ? src[0] : dst[0];
  k.words[3] = swap ? src[1] : dst[1];
  const uint64_t lo_port = swap ? dport : sport;
  const uint64_t hi_port = swap ? sport : dport;
  const uint64_t vlan = p.vlan_count > 0 ? p.vlan_ids[0] : 0;
  k.words[4] =
      lo_port | hi_port << 16 | uint64_t{p.proto} << 32 | vlan << 40 | uint64_t{p.src.family} << 56;
  return k;
}

const std::string& Flow::community_id() const {
  if (community_id_cache.empty()) {
    community_id_cache = proto == kProtoIcmp || proto == kProtoIcmpv6
                             ? CommunityIdIcmp(client, server, icmp_type, icmp_code, proto)
                             : CommunityId(client, server, client_port, server_port, proto);
  }
  return community_id_cache;
}

std::string_view TcpStateName(TcpState state) {
  switch (state) {
    case TcpState::kNone:
      return "none";
    case TcpState::kSynSent:
      return "syn_sent";
    case TcpState::kSynRecv:
      return "syn_recv";
    case TcpState::kEstablished:
      return "established";
    case TcpState::kClosing:
      return "closing";
    case TcpState::kClosed:
      return "closed";
  }
  return "unknown";
}

size_t Flow::memory() const {
  size_t total = sizeof(Flow) + streams[0].memory() + streams[1].memory() +
                 probe_buf[0].capacity() + probe_buf[1].capacity();
  if (http) total += sizeof(HttpParser) + http->memory();
  if (dns) total += sizeof(DnsParser) + dns->memory();
  if (tls) total += sizeof(TlsParser) + tls->memory();
  return total;
}

}  // namespace otasuke::network
