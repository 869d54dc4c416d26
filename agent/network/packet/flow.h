#pragma once
// A flow: the 5-tuple conversation with its direction (the initiator is the client), TCP
// state, both reassembled streams, the application-layer parser once the protocol is known,
// and the detection engine's per-flow state. Owned by the FlowTable.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "agent/network/detect/inspection.h"
#include "agent/network/packet/dns.h"
#include "agent/network/packet/http.h"
#include "agent/network/packet/packet.h"
#include "agent/network/packet/tcp_stream.h"
#include "agent/network/packet/tls.h"

namespace otasuke::network {

inline constexpr int kToServer = 0;
inline constexpr int kToClient = 1;

// Direction-free key: the lower (address, port) endpoint first. Five 64-bit words (both
// addresses, then ports, protocol, VLAN and family), so hashing and comparing it is a handful
// of word operations once per packet.
struct FlowKey {
  uint64_t words[5] = {0, 0, 0, 0, 0};

  // Builds the key of a packet; *swapped is true when the packet goes hi -> lo. Inline, as part
  // of FlowTracker's per-packet lookup (docs/NETWORK.md, step 19).
  static FlowKey Of(const Packet& p, bool* swapped) {
    const bool icmp = p.is_icmp();
    // ICMP flows are keyed by address pair only (echo ids would split request/reply matching the
    // way Suricata keys them anyway).
    const uint16_t sport = icmp ? 0 : p.sport;
    const uint16_t dport = icmp ? 0 : p.dport;
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
    k.words[4] = lo_port | hi_port << 16 | uint64_t{p.proto} << 32 | vlan << 40 |
                 uint64_t{p.src.family} << 56;
    return k;
  }

  friend bool operator==(const FlowKey& a, const FlowKey& b) {
    return ((a.words[0] ^ b.words[0]) | (a.words[1] ^ b.words[1]) | (a.words[2] ^ b.words[2]) |
            (a.words[3] ^ b.words[3]) | (a.words[4] ^ b.words[4])) == 0;
  }
};

// The flow table's hash: the words folded with multiplications by odd constants and the high
// half mixed down, as the table takes its control bits from the low 7 bits.
struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
    uint64_t h = (k.words[0] ^ (k.words[4] * kMul)) * kMul;
    h = (h ^ k.words[1] ^ (h >> 29)) * kMul;
    h = (h ^ k.words[2] ^ (h >> 31)) * kMul;
    h = (h ^ k.words[3] ^ (h >> 27)) * kMul;
    return static_cast<size_t>(h ^ (h >> 32));
  }
};

enum class TcpState : uint8_t { kNone, kSynSent, kSynRecv, kEstablished, kClosing, kClosed };
std::string_view TcpStateName(TcpState state);

// Laid out by use: the fields every packet reads or writes (lookup, LRU, counters, TCP and
// app-layer state, the detection state pointer) share the first three cache lines, the streams
// follow (their hot fields first), and what only flow creation, the end of protocol detection
// or an alert reads comes last. With thousands of flows live, a packet of a flow not seen for a
// few packets misses the L1 cache on each line of its flow it touches; the flow starts on a
// cache line so the lines are the ones named here.
struct alignas(64) Flow {
  // Cache line 0: the lookup (key) and the LRU touch.
  FlowKey key;
  int64_t last_usec = 0;
  Flow* lru_prev = nullptr;  // FlowTable bookkeeping
  Flow* lru_next = nullptr;

  // Cache line 1: counters and the per-flow state pointers.
  uint64_t packets[2] = {0, 0};
  uint64_t bytes[2] = {0, 0};
  detect::FlowDetectStatePtr detect_state;
  // Application-layer parsers, once the protocol is known.
  std::unique_ptr<HttpParser> http;
  std::unique_ptr<DnsParser> dns;
  std::unique_ptr<TlsParser> tls;

  // Cache line 2: flags and small state.
  uint32_t key_hash = 0;  // FlowKeyHash of key, truncated: the flow's slot in the table
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  bool client_is_hi = false;  // the client is the key's hi endpoint: directions by key order
  uint8_t proto = 0;
  // TCP.
  TcpState tcp_state = TcpState::kNone;
  bool stream_tracked = false;  // reassembly active: handshake seen, or midstream pickup
  bool was_established = false;
  bool midstream = false;
  bool fin[2] = {false, false};
  bool rst = false;
  // UDP / ICMP / other: a reply was seen.
  bool reply_seen = false;
  detect::AppProto app_proto = detect::AppProto::kUnknown;
  bool probe_done[2] = {false, false};
  bool tls_hello_new = false;  // the ClientHello completed during the current packet
  // TLS encryption handling (FlowTrackerConfig::tls_encryption), set once the TLS session
  // carries encrypted data, from the flow's next packet on:
  // The handling took effect: reassembly stopped, and neither pkt_data nor the raw stream is
  // inspected any more (Suricata's FLOW_NOPAYLOAD_INSPECTION).
  bool tls_encrypted = false;
  bool bypassed = false;  // bypass: not inspected at all
  bool dropped = false;   // a drop / reject rule matched: the flow is not inspected further
  // memory() may have changed since the last FlowTable::Account: a stream's buffers changed
  // (StreamSink::OnStreamMemoryChanged, raw data released), an app-layer parser or probe buffer
  // was fed, a gap or close reached the parsers, transactions were released. Account runs only
  // then, as summing the buffers and parser state of a flow cost as much as the flow lookup;
  // most segments change none of them (FlowTracker::Done checks so in debug builds).
  bool memory_dirty = false;
  bool end_handled = false;  // FlowTable bookkeeping
  size_t memory_accounted = 0;

  // Reassembly, per direction (TcpStream keeps its per-segment fields first).
  TcpStream streams[2];

  // Cold: read at creation, when detection ends, at flow end or for an alert.
  uint64_t flow_id = 0;  // EVE flow_id: unique in this process, < 2^53
  int64_t first_usec = 0;
  IpAddress client;
  IpAddress server;
  uint8_t icmp_type = 0;  // first ICMP message, for community_id
  uint8_t icmp_code = 0;
  std::string probe_buf[2];  // first bytes of each direction until the protocol is known
  // Community ID v1 of the flow, computed on first use: it costs a SHA-1 per flow and is needed
  // only when something about the flow is reported (an alert, a DNS event).
  const std::string& community_id() const;
  mutable std::string community_id_cache;

  bool established() const {
    if (proto == kProtoTcp) return was_established;
    return reply_seen;
  }
  size_t memory() const;
};

}  // namespace otasuke::network
