#pragma once
// A decoded packet: a flat view of the header facts every later stage needs (flow lookup,
// reassembly, rule matching, EVE). Pointers refer to the capture buffer or to the
// defragmenter's buffer and are valid until the next packet is decoded.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace otasuke::network {

// Link types we decode, numbered as libpcap's DLT/LINKTYPE values.
enum LinkType : int {
  kLinkNull = 0,         // BSD loopback: 4-byte host-order address family
  kLinkEthernet = 1,     // DLT_EN10MB
  kLinkRaw = 101,        // LINKTYPE_RAW: IPv4 or IPv6 by version nibble
  kLinkRawBsd = 12,      // DLT_RAW on some BSDs
  kLinkRawOpenBsd = 14,  // DLT_RAW on OpenBSD
  kLinkLinuxSll = 113,   // Linux cooked capture v1
  kLinkLinuxSll2 = 276,  // Linux cooked capture v2
  kLinkPpp = 9,          // PPP: optional ff 03, then the 2-byte PPP protocol
  kLinkCiscoHdlc = 104,  // Cisco HDLC: address, control, 2-byte ethertype
  kLinkIpv4 = 228,
  kLinkIpv6 = 229,
};

enum IpProto : uint8_t {
  kProtoHopOpts = 0,
  kProtoIcmp = 1,
  kProtoIpip = 4,
  kProtoTcp = 6,
  kProtoUdp = 17,
  kProtoIpv6 = 41,
  kProtoRouting = 43,
  kProtoFragment = 44,
  kProtoGre = 47,
  kProtoEsp = 50,
  kProtoAh = 51,
  kProtoIcmpv6 = 58,
  kProtoNoNext = 59,
  kProtoDstOpts = 60,
  kProtoSctp = 132,
};

enum TcpFlag : uint8_t {
  kTcpFin = 0x01,
  kTcpSyn = 0x02,
  kTcpRst = 0x04,
  kTcpPsh = 0x08,
  kTcpAck = 0x10,
  kTcpUrg = 0x20,
  kTcpEce = 0x40,
  kTcpCwr = 0x80,
};

// An IPv4 or IPv6 address. IPv4 is kept in the first 4 bytes, the rest zero, so keys hash
// and compare the same way for both families.
struct IpAddress {
  uint8_t family = 0;  // 4 or 6; 0 = unset
  uint8_t bytes[16] = {};

  static IpAddress V4(const uint8_t* b) {
    IpAddress a;
    a.family = 4;
    std::memcpy(a.bytes, b, 4);
    return a;
  }
  static IpAddress V6(const uint8_t* b) {
    IpAddress a;
    a.family = 6;
    std::memcpy(a.bytes, b, 16);
    return a;
  }
  int size() const { return family == 6 ? 16 : 4; }
  // 192.0.2.1 or RFC 5952 text (2001:db8::1).
  std::string ToString() const;
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family == b.family && std::memcmp(a.bytes, b.bytes, 16) == 0;
  }
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    if (a.family != b.family) return a.family < b.family;
    return std::memcmp(a.bytes, b.bytes, 16) < 0;
  }
};

// Why a packet could not be (fully) decoded; counted per reason.
enum class DecodeError : uint8_t {
  kNone = 0,
  kTruncatedLink,
  kUnsupportedLinkType,
  kTruncatedVlan,
  kTooManyVlans,
  kTruncatedIpv4,
  kBadIpv4Version,
  kBadIpv4HeaderLength,
  kBadIpv4TotalLength,
  kTruncatedIpv6,
  kBadIpv6Version,
  kBadIpv6ExtensionHeader,
  kTooManyIpv6ExtensionHeaders,
  kBadFragment,
  kFragmentOverlapConflict,
  kFragmentTooLarge,
  kTooManyTunnels,
  kTruncatedTcp,
  kBadTcpHeaderLength,
  kTruncatedUdp,
  kBadUdpLength,
  kTruncatedIcmp,
  kTruncatedGre,
  kUnsupportedGre,
  kCount,
};

std::string_view DecodeErrorName(DecodeError error);

struct Packet {
  // Capture facts.
  uint64_t pcap_cnt = 0;  // 1-based index in the capture, as Suricata's pcap_cnt
  int64_t ts_usec = 0;    // capture time, microseconds since the epoch
  uint32_t wire_len = 0;
  uint32_t cap_len = 0;
  int link_type = kLinkEthernet;
  const uint8_t* frame = nullptr;  // the captured frame
  int32_t l3_offset = -1;          // offset of the outermost IP header in the frame

  // Link layer.
  bool has_ether = false;
  uint8_t src_mac[6] = {};
  uint8_t dst_mac[6] = {};
  uint8_t vlan_count = 0;
  uint16_t vlan_ids[2] = {};

  // Network layer (the innermost IP header when tunnelled).
  uint8_t ip_version = 0;  // 0 = not IP (ARP, ...)
  IpAddress src;
  IpAddress dst;
  uint8_t proto = 0;  // transport protocol after extension headers
  uint8_t ttl = 0;    // TTL / hop limit
  uint16_t ip_id = 0;
  bool defragmented = false;  // rebuilt from fragments
  uint8_t tunnel_depth = 0;   // number of IP-in-IP / GRE layers stripped
  IpAddress tunnel_src;       // outermost addresses when tunnelled
  IpAddress tunnel_dst;
  uint8_t tunnel_proto = 0;
  uint16_t tunnel_sport = 0;  // outer UDP ports of a VXLAN tunnel
  uint16_t tunnel_dport = 0;

  // Transport layer.
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint8_t tcp_flags = 0;
  uint32_t tcp_seq = 0;
  uint32_t tcp_ack = 0;
  uint16_t tcp_window = 0;
  bool tcp_fast_open = false;  // a SYN with data carrying the TCP Fast Open option
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  bool l4_decoded = false;  // transport header decoded (ports / icmp valid)

  // Application payload of this packet (TCP/UDP/ICMP payload, or IP payload otherwise).
  const uint8_t* payload = nullptr;
  uint32_t payload_len = 0;

  // Whole IP packet (from the innermost IP header), for ip-level rules and EVE "packet".
  const uint8_t* ip_header = nullptr;
  uint32_t ip_len = 0;

  DecodeError error = DecodeError::kNone;

  bool is_tcp() const { return l4_decoded && proto == kProtoTcp; }
  bool is_udp() const { return l4_decoded && proto == kProtoUdp; }
  bool is_icmp() const { return l4_decoded && (proto == kProtoIcmp || proto == kProtoIcmpv6); }
  std::string_view payload_view() const {
    return std::string_view(reinterpret_cast<const char*>(payload), payload_len);
  }
};

// "TCP", "UDP", "ICMP", "IPv6-ICMP", ... as Suricata's EVE writes "proto".
std::string ProtoName(uint8_t proto);

}  // namespace otasuke::network
