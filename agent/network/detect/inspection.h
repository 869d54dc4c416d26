#pragma once
// What the detection engine sees of one packet or one reassembled stream chunk: decoded header
// facts, flow facts and the content buffers, as Suricata's detect engine sees a Packet + Flow.
// The packet path fills an Inspection on its own stack and hands it to DetectEngine::Inspect;
// nothing here owns memory except FlowDetectState, which the flow owns.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace otasuke::network::detect {

// Content buffers a rule can inspect. Sticky buffers (`http.uri;`) and legacy modifiers
// (`http_uri`) both select one of these. The packet path sets the ones it has.
enum class BufferId : uint8_t {
  kPktData,           // payload of this packet (L4 payload; for ip rules the IP payload)
  kStream,            // newly reassembled TCP stream data of this direction
  kHttpUri,           // normalised request URI (percent-decoding, path normalisation)
  kHttpUriRaw,        // request URI as sent
  kHttpMethod,        // "GET"
  kHttpProtocol,      // "HTTP/1.1" of the request or the response
  kHttpRequestLine,   // "GET /x HTTP/1.1"
  kHttpHost,          // Host header value, lower-cased, port stripped
  kHttpHostRaw,       // Host header value as sent
  kHttpUserAgent,     // User-Agent header value
  kHttpHeader,        // all headers of the current direction, "Name: value\r\n" each
  kHttpHeaderRaw,     // header block as sent
  kHttpCookie,        // Cookie (request) / Set-Cookie (response) value
  kHttpContentType,   // Content-Type header value
  kHttpReferer,       // Referer header value
  kHttpRequestBody,   // de-chunked request body, up to the body limit; to-server inspections only
  kHttpStatCode,      // "200"
  kHttpStatMsg,       // "OK"
  kHttpResponseBody,  // de-chunked (and decompressed if the parser does) response body: file_data
  kDnsQuery,          // query name of a DNS request, dotted ("www.example.com")
  kTlsSni,            // server_name of a TLS ClientHello
  kCount,
};
inline constexpr size_t kBufferCount = static_cast<size_t>(BufferId::kCount);
// Buffers the packet path sets once per transaction and never changes after (the request line's
// parts, once parsed; header values and the joined header block, once the block is complete):
// while a transaction's view of one is the same, so are its bytes. Not the protocol, status
// code and message (an interim 1xx response is followed by the final one in the same
// transaction) nor the bodies (they grow).
inline bool BufferSetOncePerTransaction(BufferId id) {
  switch (id) {
    case BufferId::kHttpUri:
    case BufferId::kHttpUriRaw:
    case BufferId::kHttpMethod:
    case BufferId::kHttpRequestLine:
    case BufferId::kHttpHost:
    case BufferId::kHttpHostRaw:
    case BufferId::kHttpUserAgent:
    case BufferId::kHttpHeader:
    case BufferId::kHttpHeaderRaw:
    case BufferId::kHttpCookie:
    case BufferId::kHttpContentType:
    case BufferId::kHttpReferer:
      return true;
    default:
      return false;
  }
}
// Keyword spelling of each buffer ("http.uri"), for alerts and docs.
std::string_view BufferName(BufferId id);
// Buffers the packet path sets on to-server inspections only (Suricata registers them
// SIG_FLAG_TOSERVER); a rule inspecting one can only match to server.
bool BufferIsToServerOnly(BufferId id);

enum class Direction : uint8_t { kToServer, kToClient };
enum class AppProto : uint8_t { kUnknown, kHttp, kDns, kTls, kFailed };

// A packet, or stream data flushed without a new packet (flow end, timeout). Header keywords
// (ttl, flags, dsize, itype, ...) never match a kStreamFlush inspection.
enum class InspectionKind : uint8_t { kPacket, kStreamFlush };

// An address as 16 bytes in network order; IPv4 uses the first 4 bytes.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  uint8_t family = 0;  // 4 or 6; 0 when the packet has no IP layer
};

// TCP flag bits as on the wire (byte 13 of the TCP header).
inline constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08,
                         kTcpAck = 0x10, kTcpUrg = 0x20, kTcpEce = 0x40, kTcpCwr = 0x80;

// Per-flow detection state (flowbits, per-transaction alert marks, pass verdict). Defined by
// the engine, owned by the flow: create with NewFlowDetectState() when the flow is created and
// let it die with the flow, or return it to a new flow's with ResetFlowDetectState() when the
// flow's storage is kept for a later flow. A state is for one flow: every inspection given it
// has that flow's addresses and ports for its direction, as the engine keeps what it derived
// from them per direction (debug builds check so). Not thread-safe: a flow is handled by one
// thread at a time.
struct FlowDetectState;
struct FlowDetectStateDeleter {
  void operator()(FlowDetectState* state) const;
};
using FlowDetectStatePtr = std::unique_ptr<FlowDetectState, FlowDetectStateDeleter>;
FlowDetectStatePtr NewFlowDetectState();
void ResetFlowDetectState(FlowDetectState& state);

// What an inspection knows besides its buffers' views; every field has its default, so that
// assigning an InspectionFacts{...} that names some fields (NetworkScanner reuses one
// Inspection, its buffer views kept unread while absent) resets every other one, a field added
// later included.
struct InspectionFacts {
  InspectionKind kind = InspectionKind::kPacket;
  int64_t timestamp_us = 0;  // packet time (capture time offline); thresholds count in it

  // Header facts.
  uint8_t ip_version = 0;  // 4, 6 or 0 (no IP layer)
  IpAddress src;
  IpAddress dst;
  uint8_t ip_proto = 0;  // IPPROTO_* of the L4 header (6 tcp, 17 udp, 1 icmp, 58 icmpv6)
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t ttl = 0;        // IPv4 TTL or IPv6 hop limit
  uint8_t tcp_flags = 0;  // kTcp* bits
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  uint32_t payload_size = 0;  // dsize: L4 payload bytes of this packet

  // Flow facts. Direction is relative to the flow's initiator (client -> server); without a
  // flow, kToServer.
  bool has_flow = false;
  bool flow_established = false;  // TCP: handshake done; UDP: packets seen both ways
  Direction direction = Direction::kToServer;
  AppProto app_proto = AppProto::kUnknown;
  // This packet's payload was added to TCP reassembly: payload rules without
  // flow:no_stream then see it through kStream chunks instead of kPktData, as in Suricata.
  bool payload_in_stream = false;
  // Application transaction the app-layer buffers belong to (HTTP request/response pair, DNS
  // message). App-layer rules alert at most once per (rule, transaction).
  uint64_t tx_id = 0;
  // A further transaction advanced by the same packet: only rules using app-layer buffers
  // are evaluated, so packet and stream rules alert once per packet.
  bool tx_only = false;

  // Content buffers: one counts as present when its bit is set here, even if empty (an empty
  // request body is present, an absent one is not).
  uint32_t present_mask = 0;

  // Per-flow state; null without a flow (flowbits then never match).
  FlowDetectState* flow_state = nullptr;
};

struct Inspection : InspectionFacts {
  std::array<std::span<const uint8_t>, kBufferCount> buffers{};

  void SetBuffer(BufferId id, std::span<const uint8_t> data) {
    buffers[static_cast<size_t>(id)] = data;
    present_mask |= 1u << static_cast<unsigned>(id);
  }
  void SetBuffer(BufferId id, std::string_view data) {
    SetBuffer(id,
              std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  }
  bool HasBuffer(BufferId id) const { return (present_mask >> static_cast<unsigned>(id)) & 1u; }
  // An absent buffer reads as empty: an Inspection reused for the next packet keeps the
  // earlier packet's views in `buffers`, and only present_mask says which are current.
  std::span<const uint8_t> Buffer(BufferId id) const {
    return HasBuffer(id) ? buffers[static_cast<size_t>(id)] : std::span<const uint8_t>();
  }
};
static_assert(kBufferCount <= 32, "present_mask is 32 bits");

}  // namespace otasuke::network::detect
