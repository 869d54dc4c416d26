#pragma once
// Per-packet flow handling: finds or creates the packet's flow, runs the TCP state machine,
// reassembles TCP payload, detects the application protocol and feeds its parser. What the
// packet changed (direction, stream chunk ready for inspection, application transactions
// touched) is returned in a PacketFlowView for the detection driver.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/statusor.h"
#include "agent/network/packet/flow_table.h"
#include "common/check.h"

namespace otasuke::network {

// What happens to a TLS flow once it carries encrypted application data, as Suricata's
// app-layer.protocols.tls.encryption-handling (the same three values, the same default).
enum class TlsEncryptionHandling : uint8_t {
  // The session stays tracked (its flow, its tls.* facts for app-layer rules), but neither
  // packet payloads nor the raw stream of the flow are inspected any more, and its TCP payload
  // is no longer reassembled: nothing would read it.
  kDefault,
  // Inspected like any other protocol.
  kFull,
  // Not inspected at all any more (Suricata bypasses the flow).
  kBypass,
};
// "default" | "full" | "bypass"; anything else is an InvalidArgument naming the value.
absl::StatusOr<TlsEncryptionHandling> ParseTlsEncryptionHandling(std::string_view text);

struct FlowTrackerConfig {
  FlowTableConfig table;
  StreamConfig stream;
  HttpConfig http;
  // Pick up TCP sessions without a handshake (Suricata's stream.midstream). Off: such
  // packets are inspected one by one, without reassembly or app-layer parsing.
  bool midstream = false;
  // Sessions of which only one direction is captured (Suricata's stream.async-oneside):
  // a client ACK after its SYN completes the handshake without a SYN/ACK seen.
  bool async_oneside = false;
  // Stop probing a direction for its protocol after this many bytes.
  uint32_t max_probe_bytes = 512;
  TlsEncryptionHandling tls_encryption = TlsEncryptionHandling::kDefault;
};

struct FlowTrackerStats {
  uint64_t tcp_syn = 0;
  uint64_t tcp_midstream_pickups = 0;
  uint64_t tcp_untracked_packets = 0;  // payload seen outside a tracked session
  uint64_t app_http = 0;
  uint64_t app_tls = 0;
  uint64_t app_dns = 0;
  uint64_t app_failed = 0;
  uint64_t tls_encrypted = 0;  // TLS flows whose encryption handling took effect
  StreamStats stream;
};

// What one packet did to its flow. Valid until the next Process() call.
struct PacketFlowView {
  Flow* flow = nullptr;
  int direction = kToServer;
  bool payload_in_stream = false;  // the payload went into TCP reassembly
  // Application-layer changes made by this packet.
  std::vector<HttpTransaction*> http_txs;
  std::vector<DnsMessage> dns_messages;
  bool tls_client_hello = false;
};

class FlowTracker : public StreamSink {
 public:
  FlowTracker(FlowTrackerConfig config, FlowEndHandler* end_handler);

  // Handles a decoded IP packet (Decoder verdict kReady).
  void Process(const Packet& packet, PacketFlowView* view);
  // After detection saw the packet: releases finished transactions, applies the TLS encryption
  // handling when this packet started encrypted data (so the packet itself was still
  // inspected, as in Suricata, where the flag reaches packets after the one parsed) and
  // accounts memory.
  // Inline: every packet passes through it, and for most (no HTTP / DNS state, no new TLS
  // encryption, no payload) it is a few tests.
  void Done(PacketFlowView* view) {
    Flow* flow = view->flow;
    if (flow == nullptr) return;
    // Most packets belong to flows without HTTP or DNS state: their path stays a few tests.
    if (flow->http || flow->dns || !view->http_txs.empty() || !view->dns_messages.empty()) {
      ReleaseApp(*flow, view);
    }
    flow->tls_hello_new = false;
    if (flow->tls && !flow->tls_encrypted) ApplyTlsEncryptionIfStarted(*flow);
    if (flow->memory_dirty) {
      flow->memory_dirty = false;
      table_.Account(flow);
    }
    OTASUKE_DCHECK(flow->memory() == flow->memory_accounted);
  }

  // Stream data of `direction` ready for raw inspection (acknowledged by the peer, or
  // everything when `all`), and marking it inspected.
  static std::span<const uint8_t> RawPending(Flow& flow, int direction, bool all) {
    return flow.streams[direction].RawPending(all);
  }
  static void ConsumeRaw(Flow& flow, int direction, size_t len) {
    TcpStream& stream = flow.streams[direction];
    const size_t before = stream.memory();
    stream.ConsumeRaw(len);
    if (stream.memory() != before) flow.memory_dirty = true;
  }
  // At flow end: close reassembly (skip holes) so the last data reaches the parsers.
  void FinishFlow(Flow& flow, PacketFlowView* view);

  void Expire(int64_t now_usec) { table_.Expire(now_usec); }
  void Drain() { table_.Drain(); }

  FlowTable& table() { return table_; }
  const FlowTrackerStats& stats() const { return stats_; }

  // StreamSink: in-order data of the flow being processed.
  void OnStreamData(int direction, const uint8_t* data, uint32_t len) override;
  void OnStreamGap(int direction, uint32_t len) override;
  void OnStreamMemoryChanged(int direction) override;

 private:
  // The packet's flow (created on its first packet) and direction. Inlined into Process: with
  // the key, the last-found check and the LRU touch inline too, a packet of a known flow pays
  // one frame instead of five.
  ABSL_ATTRIBUTE_ALWAYS_INLINE inline Flow* Lookup(const Packet& packet, int* direction);
  // Creates the flow of `key` for its first packet: client and server, ports, ICMP type.
  ABSL_ATTRIBUTE_NOINLINE Flow* NewFlow(const Packet& packet, const FlowKey& key, bool swapped);
  // Runs for every TCP packet; inline in Process, as an established flow's packet passes
  // through a few tests here. The handshake's state machine is out of line.
  ABSL_ATTRIBUTE_ALWAYS_INLINE inline void HandleTcp(const Packet& packet, Flow& flow,
                                                     int direction, PacketFlowView* view);
  // The TCP state machine before the session is established (SYN, SYN/ACK, the handshake's
  // ACK, midstream and one-sided pickup).
  ABSL_ATTRIBUTE_NOINLINE void AdvanceHandshake(const Packet& packet, Flow& flow, int direction,
                                                PacketFlowView* view);
  void HandleUdp(const Packet& packet, Flow& flow, int direction, PacketFlowView* view);
  void FeedApp(Flow& flow, int direction, const uint8_t* data, uint32_t len);
  void StartParser(Flow& flow);
  void Collect(Flow& flow, PacketFlowView* view);
  // The parser-state halves of Collect and Done, out of line so the per-packet path of flows
  // without HTTP / DNS state keeps a small frame (inlined, they cost more than the tests).
  ABSL_ATTRIBUTE_NOINLINE void CollectApp(Flow& flow, PacketFlowView* view);
  ABSL_ATTRIBUTE_NOINLINE void ReleaseApp(Flow& flow, PacketFlowView* view);
  // When the flow's TLS session became encrypted (and the handling is not `full`): stops
  // payload inspection (default) or all inspection (bypass) and the flow's reassembly,
  // releasing its stream buffers.
  ABSL_ATTRIBUTE_NOINLINE void ApplyTlsEncryptionIfStarted(Flow& flow);

  FlowTrackerConfig config_;
  FlowTable table_;
  FlowTrackerStats stats_;
  Flow* current_ = nullptr;  // flow whose stream is being fed (StreamSink context)
};

}  // namespace otasuke::network
