#include "agent/network/packet/packet.h"

#include <arpa/inet.h>

#include "absl/strings/str_cat.h"

namespace otasuke::network {

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) {
    inet_ntop(AF_INET, bytes, buf, sizeof(buf));
  } else if (family == 6) {
    inet_ntop(AF_INET6, bytes, buf, sizeof(buf));
  }
  return buf;
}

std::string_view DecodeErrorName(DecodeError error) {
  switch (error) {
    case DecodeError::kNone:
      return "none";
    case DecodeError::kTruncatedLink:
      return "truncated_link_header";
    case DecodeError::kUnsupportedLinkType:
      return "unsupported_link_type";
    case DecodeError::kTruncatedVlan:
      return "truncated_vlan";
    case DecodeError::kTooManyVlans:
      return "too_many_vlan_layers";
    case DecodeError::kTruncatedIpv4:
      return "truncated_ipv4";
    case DecodeError::kBadIpv4Version:
      return "bad_ip_version";
    case DecodeError::kBadIpv4HeaderLength:
      return "bad_ipv4_header_length";
    case DecodeError::kBadIpv4TotalLength:
      return "bad_ipv4_total_length";
    case DecodeError::kTruncatedIpv6:
      return "truncated_ipv6";
    case DecodeError::kBadIpv6Version:
      return "bad_ipv6_version";
    case DecodeError::kBadIpv6ExtensionHeader:
      return "bad_ipv6_extension_header";
    case DecodeError::kTooManyIpv6ExtensionHeaders:
      return "too_many_ipv6_extension_headers";
    case DecodeError::kBadFragment:
      return "bad_fragment";
    case DecodeError::kFragmentOverlapConflict:
      return "fragment_overlap_conflict";
    case DecodeError::kFragmentTooLarge:
      return "fragment_too_large";
    case DecodeError::kTooManyTunnels:
      return "too_many_tunnel_layers";
    case DecodeError::kTruncatedTcp:
      return "truncated_tcp";
    case DecodeError::kBadTcpHeaderLength:
      return "bad_tcp_header_length";
    case DecodeError::kTruncatedUdp:
      return "truncated_udp";
    case DecodeError::kBadUdpLength:
      return "bad_udp_length";
    case DecodeError::kTruncatedIcmp:
      return "truncated_icmp";
    case DecodeError::kTruncatedGre:
      return "truncated_gre";
    case DecodeError::kUnsupportedGre:
      return "unsupported_gre";
    case DecodeError::kCount:
      break;
  }
  return "unknown";
}

std::string ProtoName(uint8_t proto) {
  switch (proto) {
    case kProtoTcp:
      return "TCP";
    case kProtoUdp:
      return "UDP";
    case kProtoIcmp:
      return "ICMP";
    case kProtoIcmpv6:
      return "IPv6-ICMP";
    case kProtoGre:
      return "GRE";
    case kProtoSctp:
      return "SCTP";
    case kProtoEsp:
      return "ESP";
    case kProtoAh:
      return "AH";
    case kProtoIpip:
      return "IPIP";
    case kProtoIpv6:
      return "IPv6";
    default:
      return absl::StrCat(proto);
  }
}

}  // namespace otasuke::network
