#pragma once
// A flow: the 5-tuple conversation with its direction (the initiator is the client), TCP
// state, both reassembled streams, the application-layer parser once the protocol is known,
// and the detection engine's per-flow state. Owned by the FlowTable.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "absl/hash/hash.h"
#include "agent/network/detect/inspection.h"
#include "agent/network/packet/dns.h"
#include "agent/network/packet/http.h"
#include "agent/network/packet/packet.h"
#include "agent/network/packet/tcp_stream.h"
#include "agent/network/packet/tls.h"

namespace otasuke::network {

inline constexpr int kToServer = 0;
inline constexpr int kToClient = 1;

// Direction-free key: the lower (address, port) endpoint first.
struct FlowKey {
  IpAddress lo;
  IpAddress hi;
  uint16_t lo_port = 0;
  uint16_t hi_port = 0;
  uint8_t proto = 0;
  uint16_t vlan = 0;

  // Builds the key of a packet; *swapped is true when the packet goes hi -> lo.
  static FlowKey Of(const Packet& p, bool* swapped);

  // Hashed as five 64-bit words: hashing the addresses as byte strings cost about three times
  // as much, once per packet.
  template <typename H>
  friend H AbslHashValue(H h, const FlowKey& k) {
    uint64_t words[4];
    std::memcpy(&words[0], k.lo.bytes, 16);
    std::memcpy(&words[2], k.hi.bytes, 16);
    const uint64_t rest = uint64_t{k.lo_port} | uint64_t{k.hi_port} << 16 |
                          uint64_t{k.proto} << 32 | uint64_t{k.vlan} << 40 |
                          uint64_t{k.lo.family} << 56;
    return H::combine(std::move(h), words[0], words[1], words[2], words[3], rest);
  }
  friend bool operator==(const FlowKey& a, const FlowKey& b) {
    return a.lo == b.lo && a.hi == b.hi && a.lo_port == b.lo_port && a.hi_port == b.hi_port &&
           a.proto == b.proto && a.vlan == b.vlan;
  }
};

enum class TcpState : uint8_t { kNone, kSynSent, kSynRecv, kEstablished, kClosing, kClosed };
std::string_view TcpStateName(TcpState state);

struct Flow {
  FlowKey key;
  uint64_t flow_id = 0;  // EVE flow_id: unique in this process, < 2^53
  IpAddress client;
  IpAddress server;
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  uint8_t proto = 0;
  uint8_t icmp_type = 0;  // first ICMP message, for community_id
  uint8_t icmp_code = 0;
  int64_t first_usec = 0;
  int64_t last_usec = 0;
  uint64_t packets[2] = {0, 0};
  uint64_t bytes[2] = {0, 0};

  // TCP.
  TcpState tcp_state = TcpState::kNone;
  bool stream_tracked = false;  // reassembly active: handshake seen, or midstream pickup
  bool was_established = false;
  bool midstream = false;
  bool fin[2] = {false, false};
  bool rst = false;
  TcpStream streams[2];

  // UDP / ICMP / other: a reply was seen.
  bool reply_seen = false;

  // Application layer.
  detect::AppProto app_proto = detect::AppProto::kUnknown;
  bool probe_done[2] = {false, false};
  std::string probe_buf[2];  // first bytes of each direction until the protocol is known
  std::unique_ptr<HttpParser> http;
  std::unique_ptr<DnsParser> dns;
  std::unique_ptr<TlsParser> tls;
  bool tls_hello_new = false;  // the ClientHello completed during the current packet

  detect::FlowDetectStatePtr detect_state;
  bool dropped = false;  // a drop / reject rule matched: the flow is not inspected further
  // Community ID v1 of the flow, computed on first use: it costs a SHA-1 per flow and is needed
  // only when something about the flow is reported (an alert, a DNS event).
  const std::string& community_id() const;
  mutable std::string community_id_cache;

  // FlowTable bookkeeping.
  Flow* lru_prev = nullptr;
  Flow* lru_next = nullptr;
  size_t memory_accounted = 0;
  bool end_handled = false;

  bool established() const {
    if (proto == kProtoTcp) return was_established;
    return reply_seen;
  }
  size_t memory() const;
};

}  // namespace otasuke::network
