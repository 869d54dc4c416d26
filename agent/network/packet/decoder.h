#pragma once
// Link, network and transport decoding into a Packet. Never allocates per packet in steady
// state (fragment reassembly is the only path that buffers), never reads past the captured
// bytes, and counts every malformed packet by reason.

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "agent/network/packet/defrag.h"
#include "agent/network/packet/packet.h"

namespace otasuke::network {

struct DecoderConfig {
  DefragConfig defrag;
  int max_tunnel_depth = 4;  // IP-in-IP / GRE layers stripped before giving up
  // UDP destination port decoded as VXLAN (Suricata's decoder.vxlan, port 4789); 0 = off.
  uint16_t vxlan_port = 0;
};

struct DecodeStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;  // wire bytes
  uint64_t ipv4 = 0;
  uint64_t ipv6 = 0;
  uint64_t tcp = 0;
  uint64_t udp = 0;
  uint64_t icmp = 0;
  uint64_t not_ip = 0;          // ARP, LLDP, ...: counted, not errors
  uint64_t fragments_held = 0;  // fragments waiting for the rest of their datagram
  uint64_t tunnels = 0;
  uint64_t errors = 0;  // sum of by_reason
  std::array<uint64_t, static_cast<size_t>(DecodeError::kCount)> by_reason{};
};

class Decoder {
 public:
  enum class Verdict {
    kReady,  // an IP packet; l4_decoded says whether ports are valid (a broken transport
             // header leaves error set and l4_decoded false)
    kHeld,   // a fragment kept for reassembly
    kNotIp,  // a valid frame that carries no IP (ARP, ...)
    kError,  // malformed; p->error says why
  };

  explicit Decoder(DecoderConfig config = {}) : config_(config), defrag_(config.defrag) {}

  // Decodes one captured frame. `p` is reset first; capture facts (pcap_cnt) are kept.
  Verdict Decode(int link_type, const uint8_t* data, uint32_t cap_len, uint32_t wire_len,
                 int64_t ts_usec, Packet* p);

  // Whether Decode() knows this link type.
  static bool SupportsLinkType(int link_type);

  const DecodeStats& stats() const { return stats_; }
  const DefragStats& defrag_stats() const { return defrag_.stats(); }
  void ExpireFragments(int64_t now_usec) { defrag_.Expire(now_usec); }

 private:
  Verdict Fail(Packet* p, DecodeError error);
  Verdict FailTransport(Packet* p, DecodeError error);
  Verdict DecodeEthernet(const uint8_t* data, uint32_t len, Packet* p);
  Verdict DecodeByEtherType(uint16_t type, const uint8_t* data, uint32_t len, Packet* p);
  Verdict DecodeIp(const uint8_t* data, uint32_t len, Packet* p);
  Verdict DecodeIpv4(const uint8_t* data, uint32_t len, Packet* p);
  Verdict DecodeIpv6(const uint8_t* data, uint32_t len, Packet* p);
  // After the IP header(s): transport or a tunnelled packet.
  Verdict DecodeL4(uint8_t proto, const uint8_t* data, uint32_t len, Packet* p);
  Verdict DecodeGre(const uint8_t* data, uint32_t len, Packet* p);
  Verdict EnterTunnel(Packet* p);
  // Adds one IPv4 or IPv6 fragment to its datagram. Returns the packet's verdict while the
  // datagram is incomplete (kHeld) or broken (kError); nullopt once *whole holds it complete
  // (header first, *header_len bytes of it), for the caller to fix its length fields.
  std::optional<Verdict> AddFragment(const Defragmenter::Key& key, uint32_t offset, bool more,
                                     std::span<const uint8_t> header,
                                     std::span<const uint8_t> payload, Packet* p,
                                     std::span<uint8_t>* whole, uint32_t* header_len);

  DecoderConfig config_;
  Defragmenter defrag_;
  DecodeStats stats_;
  int64_t now_usec_ = 0;
};

}  // namespace otasuke::network
