#include "agent/network/packet/flow.h"

#include <cstring>

#include "agent/network/packet/community_id.h"

namespace otasuke::network {

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
