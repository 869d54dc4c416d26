#include "agent/network/packet/flow.h"

#include <cstring>

#include "agent/network/packet/community_id.h"

namespace otasuke::network {

FlowKey FlowKey::Of(const Packet& p, bool* swapped) {
  FlowKey k;
  k.proto = p.proto;
  k.vlan = p.vlan_count > 0 ? p.vlan_ids[0] : 0;
  uint16_t sport = p.sport;
  uint16_t dport = p.dport;
  if (p.is_icmp()) {
    // ICMP flows are keyed by address pair only (echo ids would split request/reply
    // matching the way Suricata keys them anyway).
    sport = 0;
    dport = 0;
  }
  const int cmp = std::memcmp(p.src.bytes, p.dst.bytes, 16);
  *swapped = cmp > 0 || (cmp == 0 && sport > dport);
  if (*swapped) {
    k.lo = p.dst;
    k.hi = p.src;
    k.lo_port = dport;
    k.hi_port = sport;
  } else {
    k.lo = p.src;
    k.hi = p.dst;
    k.lo_port = sport;
    k.hi_port = dport;
  }
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
