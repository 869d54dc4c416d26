#include "agent/network/packet/decoder.h"

#include <cstring>

namespace otasuke::network {
namespace {

inline uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr uint16_t kEtherQinQOld = 0x9100;
constexpr uint16_t kEtherPppoeSession = 0x8864;
constexpr uint16_t kEtherTransparentBridging = 0x6558;
constexpr uint16_t kEtherNsh = 0x894f;
constexpr int kMaxVlans = 2;

// Whether a TCP option list carries TCP Fast Open: kind 34 (RFC 7413), or the experimental
// kinds 253 / 254 with the TFO magic 0xF989, as Suricata's DecodeTCPOptions accepts. A
// malformed list ends the walk.
bool HasFastOpenOption(const uint8_t* options, uint32_t len) {
  constexpr uint8_t kEnd = 0, kNop = 1, kFastOpen = 34, kExperiment1 = 253, kExperiment2 = 254;
  uint32_t i = 0;
  while (i < len) {
    const uint8_t kind = options[i];
    if (kind == kEnd) return false;
    if (kind == kNop) {
      ++i;
      continue;
    }
    if (i + 1 >= len) return false;
    const uint8_t option_len = options[i + 1];
    if (option_len < 2 || i + option_len > len) return false;
    if (kind == kFastOpen) return true;
    if ((kind == kExperiment1 || kind == kExperiment2) && option_len >= 4 &&
        Be16(options + i + 2) == 0xF989) {
      return true;
    }
    i += option_len;
  }
  return false;
}

}  // namespace

bool Decoder::SupportsLinkType(int link_type) {
  switch (link_type) {
    case kLinkNull:
    case kLinkEthernet:
    case kLinkRaw:
    case kLinkRawBsd:
    case kLinkRawOpenBsd:
    case kLinkLinuxSll:
    case kLinkLinuxSll2:
    case kLinkIpv4:
    case kLinkIpv6:
    case kLinkPpp:
    case kLinkCiscoHdlc:
      return true;
    default:
      return false;
  }
}

Decoder::Verdict Decoder::Fail(Packet* p, DecodeError error) {
  p->error = error;
  ++stats_.errors;
  ++stats_.by_reason[static_cast<size_t>(error)];
  return Verdict::kError;
}

Decoder::Verdict Decoder::FailTransport(Packet* p, DecodeError error) {
  // The IP layer is sound: like Suricata, keep the packet for IP-level rules, without a
  // flow or ports.
  Fail(p, error);
  p->l4_decoded = false;
  return Verdict::kReady;
}

Decoder::Verdict Decoder::Decode(int link_type, const uint8_t* data, uint32_t cap_len,
                                 uint32_t wire_len, int64_t ts_usec, Packet* p) {
  const uint64_t pcap_cnt = p->pcap_cnt;
  *p = Packet{};
  p->pcap_cnt = pcap_cnt;
  p->ts_usec = ts_usec;
  p->cap_len = cap_len;
  p->wire_len = wire_len;
  p->link_type = link_type;
  p->frame = data;
  now_usec_ = ts_usec;
  ++stats_.packets;
  stats_.bytes += wire_len;

  switch (link_type) {
    case kLinkEthernet:
      return DecodeEthernet(data, cap_len, p);
    case kLinkRaw:
    case kLinkRawBsd:
    case kLinkRawOpenBsd:
    case kLinkIpv4:
    case kLinkIpv6:
      return DecodeIp(data, cap_len, p);
    case kLinkNull: {
      if (cap_len < 4) return Fail(p, DecodeError::kTruncatedLink);
      uint32_t family;
      std::memcpy(&family, data, 4);
      // The family is in the capturing host's byte order; accept both.
      if (family > 0xffff) family = __builtin_bswap32(family);
      if (family == 2) return DecodeIpv4(data + 4, cap_len - 4, p);
      if (family == 24 || family == 28 || family == 30) return DecodeIpv6(data + 4, cap_len - 4, p);
      ++stats_.not_ip;
      return Verdict::kNotIp;
    }
    case kLinkPpp: {
      uint32_t off = 0;
      if (cap_len >= 2 && data[0] == 0xff && data[1] == 0x03) off = 2;
      if (cap_len < off + 1) return Fail(p, DecodeError::kTruncatedLink);
      // An odd first byte is a compressed 1-byte protocol field (RFC 1661 PFC).
      uint16_t ppp = data[off];
      uint32_t hlen = 1;
      if ((ppp & 1) == 0) {
        if (cap_len < off + 2) return Fail(p, DecodeError::kTruncatedLink);
        ppp = Be16(data + off);
        hlen = 2;
      }
      off += hlen;
      if (ppp == 0x21) return DecodeIpv4(data + off, cap_len - off, p);
      if (ppp == 0x57) return DecodeIpv6(data + off, cap_len - off, p);
      ++stats_.not_ip;
      return Verdict::kNotIp;
    }
    case kLinkCiscoHdlc: {
      if (cap_len < 4) return Fail(p, DecodeError::kTruncatedLink);
      return DecodeByEtherType(Be16(data + 2), data + 4, cap_len - 4, p);
    }
    case kLinkLinuxSll: {
      if (cap_len < 16) return Fail(p, DecodeError::kTruncatedLink);
      return DecodeByEtherType(Be16(data + 14), data + 16, cap_len - 16, p);
    }
    case kLinkLinuxSll2: {
      if (cap_len < 20) return Fail(p, DecodeError::kTruncatedLink);
      return DecodeByEtherType(Be16(data), data + 20, cap_len - 20, p);
    }
    default:
      return Fail(p, DecodeError::kUnsupportedLinkType);
  }
}

Decoder::Verdict Decoder::DecodeEthernet(const uint8_t* data, uint32_t len, Packet* p) {
  if (len < 14) return Fail(p, DecodeError::kTruncatedLink);
  p->has_ether = true;
  std::memcpy(p->dst_mac, data, 6);
  std::memcpy(p->src_mac, data + 6, 6);
  return DecodeByEtherType(Be16(data + 12), data + 14, len - 14, p);
}

Decoder::Verdict Decoder::DecodeByEtherType(uint16_t type, const uint8_t* data, uint32_t len,
                                            Packet* p) {
  while (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) {
    if (len < 4) return Fail(p, DecodeError::kTruncatedVlan);
    if (p->vlan_count >= kMaxVlans) return Fail(p, DecodeError::kTooManyVlans);
    p->vlan_ids[p->vlan_count++] = Be16(data) & 0x0fff;
    type = Be16(data + 2);
    data += 4;
    len -= 4;
  }
  switch (type) {
    case kEtherIpv4:
      return DecodeIpv4(data, len, p);
    case kEtherIpv6:
      return DecodeIpv6(data, len, p);
    case kEtherPppoeSession: {
      // 6-byte PPPoE header, then the 2-byte PPP protocol.
      if (len < 8) return Fail(p, DecodeError::kTruncatedLink);
      const uint16_t ppp = Be16(data + 6);
      if (ppp == 0x0021) return DecodeIpv4(data + 8, len - 8, p);
      if (ppp == 0x0057) return DecodeIpv6(data + 8, len - 8, p);
      ++stats_.not_ip;
      return Verdict::kNotIp;
    }
    case kEtherNsh: {
      // Network Service Header (RFC 8300): length in 4-byte words, then the next protocol.
      if (len < 8) return Fail(p, DecodeError::kTruncatedLink);
      const uint32_t hlen = (data[1] & 0x3fu) * 4u;
      if (hlen < 8 || hlen > len) return Fail(p, DecodeError::kTruncatedLink);
      switch (data[3]) {
        case 1:
          return DecodeIpv4(data + hlen, len - hlen, p);
        case 2:
          return DecodeIpv6(data + hlen, len - hlen, p);
        case 3:
          return DecodeEthernet(data + hlen, len - hlen, p);
        default:
          ++stats_.not_ip;
          return Verdict::kNotIp;
      }
    }
    default:
      ++stats_.not_ip;
      return Verdict::kNotIp;
  }
}

Decoder::Verdict Decoder::DecodeIp(const uint8_t* data, uint32_t len, Packet* p) {
  if (len < 1) return Fail(p, DecodeError::kTruncatedIpv4);
  const int version = data[0] >> 4;
  if (version == 4) return DecodeIpv4(data, len, p);
  if (version == 6) return DecodeIpv6(data, len, p);
  return Fail(p, DecodeError::kBadIpv4Version);
}

Decoder::Verdict Decoder::EnterTunnel(Packet* p) {
  if (p->tunnel_depth >= config_.max_tunnel_depth) return Fail(p, DecodeError::kTooManyTunnels);
  if (p->tunnel_depth == 0) {
    p->tunnel_src = p->src;
    p->tunnel_dst = p->dst;
    p->tunnel_proto = p->proto;
    ++stats_.tunnels;
  }
  ++p->tunnel_depth;
  return Verdict::kReady;
}

Decoder::Verdict Decoder::DecodeIpv4(const uint8_t* data, uint32_t len, Packet* p) {
  if (p->l3_offset < 0) p->l3_offset = static_cast<int32_t>(data - p->frame);
  if (len < 20) return Fail(p, DecodeError::kTruncatedIpv4);
  if ((data[0] >> 4) != 4) return Fail(p, DecodeError::kBadIpv4Version);
  const uint32_t hlen = (data[0] & 0x0f) * 4u;
  if (hlen < 20 || hlen > len) return Fail(p, DecodeError::kBadIpv4HeaderLength);
  const uint32_t total = Be16(data + 2);
  if (total < hlen) return Fail(p, DecodeError::kBadIpv4TotalLength);
  if (total > len) {
    // Cut short by the snaplen is tolerable; a length beyond the frame is not.
    if (p->cap_len >= p->wire_len) return Fail(p, DecodeError::kBadIpv4TotalLength);
  } else {
    len = total;  // drop Ethernet padding
  }
  ++stats_.ipv4;
  p->ip_version = 4;
  p->src = IpAddress::V4(data + 12);
  p->dst = IpAddress::V4(data + 16);
  p->ttl = data[8];
  p->proto = data[9];
  p->ip_id = Be16(data + 4);
  p->ip_header = data;
  p->ip_len = len;

  const uint16_t frag = Be16(data + 6);
  const bool more = (frag & 0x2000) != 0;
  const uint32_t offset = (frag & 0x1fffu) * 8u;
  if (more || offset != 0) {
    Defragmenter::Key key;
    key.family = 4;
    key.proto = p->proto;
    key.id = p->ip_id;
    key.src = p->src;
    key.dst = p->dst;
    std::span<uint8_t> whole;
    uint32_t header_len = 0;
    if (auto held = AddFragment(key, offset, more, {data, hlen}, {data + hlen, len - hlen}, p,
                                &whole, &header_len)) {
      return *held;
    }
    // Rebuild a plain datagram header and decode it as if it had arrived whole.
    uint8_t* ip = whole.data();
    const uint32_t new_total = static_cast<uint32_t>(whole.size());
    if (new_total > 0xffff) return Fail(p, DecodeError::kFragmentTooLarge);
    ip[2] = static_cast<uint8_t>(new_total >> 8);
    ip[3] = static_cast<uint8_t>(new_total);
    ip[6] = 0;
    ip[7] = 0;
    --stats_.ipv4;  // counted again below
    const uint8_t depth = p->tunnel_depth;
    Verdict v = DecodeIpv4(ip, new_total, p);
    p->defragmented = true;
    p->tunnel_depth = depth > p->tunnel_depth ? depth : p->tunnel_depth;
    return v;
  }
  return DecodeL4(p->proto, data + hlen, len - hlen, p);
}

std::optional<Decoder::Verdict> Decoder::AddFragment(const Defragmenter::Key& key, uint32_t offset,
                                                     bool more, std::span<const uint8_t> header,
                                                     std::span<const uint8_t> payload, Packet* p,
                                                     std::span<uint8_t>* whole,
                                                     uint32_t* header_len) {
  DecodeError error = DecodeError::kNone;
  switch (defrag_.Add(key, p->ts_usec, offset, more, header, payload, whole, header_len, &error)) {
    case Defragmenter::Result::kHeld:
      ++stats_.fragments_held;
      return Verdict::kHeld;
    case Defragmenter::Result::kError:
      return Fail(p, error);
    case Defragmenter::Result::kComplete:
      break;
  }
  return std::nullopt;
}

Decoder::Verdict Decoder::DecodeIpv6(const uint8_t* data, uint32_t len, Packet* p) {
  if (p->l3_offset < 0) p->l3_offset = static_cast<int32_t>(data - p->frame);
  if (len < 40) return Fail(p, DecodeError::kTruncatedIpv6);
  if ((data[0] >> 4) != 6) return Fail(p, DecodeError::kBadIpv6Version);
  const uint32_t total = 40u + Be16(data + 4);
  if (total > len) {
    if (p->cap_len >= p->wire_len) return Fail(p, DecodeError::kTruncatedIpv6);
  } else {
    len = total;
  }
  ++stats_.ipv6;
  p->ip_version = 6;
  p->src = IpAddress::V6(data + 8);
  p->dst = IpAddress::V6(data + 24);
  p->ttl = data[7];
  p->ip_header = data;
  p->ip_len = len;

  uint8_t next = data[6];
  uint32_t off = 40;
  uint32_t next_field = 6;  // offset of the byte naming `next`, patched after defrag
  constexpr int kMaxExtensionHeaders = 8;
  for (int i = 0;; ++i) {
    if (i > kMaxExtensionHeaders) return Fail(p, DecodeError::kTooManyIpv6ExtensionHeaders);
    if (next == kProtoHopOpts || next == kProtoRouting || next == kProtoDstOpts) {
      if (len - off < 8) return Fail(p, DecodeError::kBadIpv6ExtensionHeader);
      const uint32_t ext_len = (data[off + 1] + 1u) * 8u;
      if (ext_len > len - off) return Fail(p, DecodeError::kBadIpv6ExtensionHeader);
      next_field = off;
      next = data[off];
      off += ext_len;
      continue;
    }
    if (next == kProtoAh) {
      if (len - off < 8) return Fail(p, DecodeError::kBadIpv6ExtensionHeader);
      const uint32_t ext_len = (data[off + 1] + 2u) * 4u;
      if (ext_len > len - off) return Fail(p, DecodeError::kBadIpv6ExtensionHeader);
      next_field = off;
      next = data[off];
      off += ext_len;
      continue;
    }
    if (next == kProtoFragment) {
      if (len - off < 8) return Fail(p, DecodeError::kBadIpv6ExtensionHeader);
      const uint8_t frag_next = data[off];
      const uint16_t fo = Be16(data + off + 2);
      const uint32_t offset = fo & 0xfff8u;
      const bool more = (fo & 1) != 0;
      if (offset == 0 && !more) {  // atomic fragment (RFC 6946)
        next_field = off;
        next = frag_next;
        off += 8;
        continue;
      }
      Defragmenter::Key key;
      key.family = 6;
      key.id = Be32(data + off + 4);
      key.src = p->src;
      key.dst = p->dst;
      std::span<uint8_t> whole;
      uint32_t header_len = 0;
      if (auto held = AddFragment(key, offset, more, {data, off}, {data + off + 8, len - off - 8},
                                  p, &whole, &header_len)) {
        return *held;
      }
      uint8_t* ip = whole.data();
      const uint32_t new_total = static_cast<uint32_t>(whole.size());
      if (new_total - 40 > 0xffff || next_field >= header_len) {
        return Fail(p, DecodeError::kFragmentTooLarge);
      }
      ip[4] = static_cast<uint8_t>((new_total - 40) >> 8);
      ip[5] = static_cast<uint8_t>(new_total - 40);
      ip[next_field] = frag_next;
      --stats_.ipv6;
      Verdict v = DecodeIpv6(ip, new_total, p);
      p->defragmented = true;
      return v;
    }
    break;
  }
  p->proto = next;
  return DecodeL4(next, data + off, len - off, p);
}

Decoder::Verdict Decoder::DecodeGre(const uint8_t* data, uint32_t len, Packet* p) {
  if (len < 4) return Fail(p, DecodeError::kTruncatedGre);
  const uint16_t flags = Be16(data);
  if ((flags & 0x7) != 0) return Fail(p, DecodeError::kUnsupportedGre);  // only version 0
  uint32_t hlen = 4;
  if (flags & 0x8000) hlen += 4;                                     // checksum + reserved
  if (flags & 0x2000) hlen += 4;                                     // key
  if (flags & 0x1000) hlen += 4;                                     // sequence
  if (flags & 0x4000) return Fail(p, DecodeError::kUnsupportedGre);  // source routing
  if (len < hlen) return Fail(p, DecodeError::kTruncatedGre);
  const uint16_t type = Be16(data + 2);
  if (type != kEtherIpv4 && type != kEtherIpv6 && type != kEtherTransparentBridging) {
    return Verdict::kReady;  // a GRE packet we do not look into: still an IP packet
  }
  if (EnterTunnel(p) == Verdict::kError) return Verdict::kError;
  if (type == kEtherTransparentBridging) return DecodeEthernet(data + hlen, len - hlen, p);
  return type == kEtherIpv4 ? DecodeIpv4(data + hlen, len - hlen, p)
                            : DecodeIpv6(data + hlen, len - hlen, p);
}

Decoder::Verdict Decoder::DecodeL4(uint8_t proto, const uint8_t* data, uint32_t len, Packet* p) {
  p->payload = data;
  p->payload_len = len;
  switch (proto) {
    case kProtoTcp: {
      if (len < 20) return FailTransport(p, DecodeError::kTruncatedTcp);
      const uint32_t hlen = (data[12] >> 4) * 4u;
      if (hlen < 20 || hlen > len) return FailTransport(p, DecodeError::kBadTcpHeaderLength);
      ++stats_.tcp;
      p->sport = Be16(data);
      p->dport = Be16(data + 2);
      p->tcp_seq = Be32(data + 4);
      p->tcp_ack = Be32(data + 8);
      p->tcp_flags = data[13];
      p->tcp_window = Be16(data + 14);
      p->payload = data + hlen;
      p->payload_len = len - hlen;
      p->l4_decoded = true;
      // Options are only read where they change anything: data on a SYN.
      if ((p->tcp_flags & kTcpSyn) && p->payload_len > 0) {
        p->tcp_fast_open = HasFastOpenOption(data + 20, hlen - 20);
      }
      return Verdict::kReady;
    }
    case kProtoUdp: {
      if (len < 8) return FailTransport(p, DecodeError::kTruncatedUdp);
      const uint32_t ulen = Be16(data + 4);
      if (ulen < 8) return FailTransport(p, DecodeError::kBadUdpLength);
      if (ulen > len && p->cap_len >= p->wire_len)
        return FailTransport(p, DecodeError::kBadUdpLength);
      ++stats_.udp;
      p->sport = Be16(data);
      p->dport = Be16(data + 2);
      p->payload = data + 8;
      // Bytes past the UDP length (trailing data) are not payload.
      p->payload_len = (ulen <= len ? ulen : len) - 8;
      p->l4_decoded = true;
      if (config_.vxlan_port != 0 && p->dport == config_.vxlan_port && p->payload_len >= 8 + 14 &&
          (p->payload[0] & 0x08) != 0) {
        // VXLAN (RFC 7348): 8-byte header, then the tenant's Ethernet frame.
        const uint8_t* inner = p->payload + 8;
        const uint32_t inner_len = p->payload_len - 8;
        const uint16_t sport = p->sport;
        const uint16_t dport = p->dport;
        if (EnterTunnel(p) == Verdict::kError) return Verdict::kError;
        if (p->tunnel_depth == 1) {
          p->tunnel_sport = sport;
          p->tunnel_dport = dport;
        }
        p->l4_decoded = false;
        p->sport = p->dport = 0;
        return DecodeEthernet(inner, inner_len, p);
      }
      return Verdict::kReady;
    }
    case kProtoIcmp:
    case kProtoIcmpv6: {
      if (len < 4) return FailTransport(p, DecodeError::kTruncatedIcmp);
      ++stats_.icmp;
      p->icmp_type = data[0];
      p->icmp_code = data[1];
      const uint32_t hlen = len >= 8 ? 8 : len;
      p->payload = data + hlen;
      p->payload_len = len - hlen;
      p->l4_decoded = true;
      // Options are only read where they change anything: data on a SYN.
      if ((p->tcp_flags & kTcpSyn) && p->payload_len > 0) {
        p->tcp_fast_open = HasFastOpenOption(data + 20, hlen - 20);
      }
      return Verdict::kReady;
    }
    case kProtoIpip:
      if (EnterTunnel(p) == Verdict::kError) return Verdict::kError;
      return DecodeIpv4(data, len, p);
    case kProtoIpv6:
      if (EnterTunnel(p) == Verdict::kError) return Verdict::kError;
      return DecodeIpv6(data, len, p);
    case kProtoGre:
      return DecodeGre(data, len, p);
    default:
      return Verdict::kReady;
  }
}

}  // namespace otasuke::network
