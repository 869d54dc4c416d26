#include "agent/network/packet/flow_tracker.h"

#include "absl/strings/str_cat.h"
#include "agent/network/packet/app_detect.h"

namespace otasuke::network {

absl::StatusOr<TlsEncryptionHandling> ParseTlsEncryptionHandling(std::string_view text) {
  if (text == "default") return TlsEncryptionHandling::kDefault;
  if (text == "full") return TlsEncryptionHandling::kFull;
  if (text == "bypass") return TlsEncryptionHandling::kBypass;
  return absl::InvalidArgumentError(absl::StrCat(
      "TLS encryption handling: expected default, full or bypass, got '", std::string(text), "'"));
}

FlowTracker::FlowTracker(FlowTrackerConfig config, FlowEndHandler* end_handler)
    : config_(config), table_(config.table, end_handler) {}

Flow* FlowTracker::Lookup(const Packet& packet, int* direction) {
  bool swapped = false;
  const FlowKey key = FlowKey::Of(packet, &swapped);
  Flow* flow = table_.Find(key);
  if (flow == nullptr) flow = NewFlow(packet, key, swapped);
  *direction = swapped == flow->client_is_hi ? kToServer : kToClient;
  table_.Touch(flow, packet.ts_usec);
  return flow;
}

Flow* FlowTracker::NewFlow(const Packet& packet, const FlowKey& key, bool swapped) {
  Flow* flow = table_.Create(key, packet.ts_usec);
  // The initiator is the client; a SYN/ACK seen first comes from the server. A TCP session
  // joined midstream has no initiator to see: a packet from a well-known port to an
  // ephemeral one is taken as the server's (Suricata reaches the same by reversing the flow
  // when the first data looks like a response).
  const bool syn = packet.is_tcp() && (packet.tcp_flags & kTcpSyn);
  const bool from_server =
      packet.is_tcp() && ((syn && (packet.tcp_flags & kTcpAck)) ||
                          (!syn && packet.sport < 1024 && packet.dport >= 1024));
  flow->proto = packet.proto;
  flow->client = from_server ? packet.dst : packet.src;
  flow->server = from_server ? packet.src : packet.dst;
  flow->client_port = from_server ? packet.dport : packet.sport;
  flow->server_port = from_server ? packet.sport : packet.dport;
  // A recycled shell comes with its detection state, already reset (FlowTable::End).
  if (flow->detect_state == nullptr) flow->detect_state = detect::NewFlowDetectState();
  if (packet.is_icmp()) {
    flow->client_port = flow->server_port = 0;
    flow->icmp_type = packet.icmp_type;
    flow->icmp_code = packet.icmp_code;
  }
  // The packet's source is the key's hi endpoint when `swapped`. A flow whose two endpoints
  // are the same (address and port) never swaps: every packet is the client's.
  const bool same_endpoints = key.words[0] == key.words[2] && key.words[1] == key.words[3] &&
                              (key.words[4] & 0xffff) == ((key.words[4] >> 16) & 0xffff);
  flow->client_is_hi = !same_endpoints && (from_server != swapped);
  return flow;
}

void FlowTracker::Process(const Packet& packet, PacketFlowView* view) {
  view->flow = nullptr;
  view->payload_in_stream = false;
  view->http_txs.clear();
  view->dns_messages.clear();
  view->tls_client_hello = false;
  table_.Expire(packet.ts_usec);
  int direction = kToServer;
  Flow* flow = Lookup(packet, &direction);
  view->flow = flow;
  view->direction = direction;
  ++flow->packets[direction];
  flow->bytes[direction] += packet.wire_len;
  if (direction == kToClient) flow->reply_seen = true;
  current_ = flow;
  if (packet.is_tcp()) {
    HandleTcp(packet, *flow, direction, view);
    // A close completes HTTP messages. Payload marks the flow only where it changed a stream's
    // buffers or reached a parser (most segments of flows without a parser change nothing).
    if ((packet.tcp_flags & (kTcpFin | kTcpRst)) != 0) flow->memory_dirty = true;
  } else if (packet.is_udp()) {
    HandleUdp(packet, *flow, direction, view);  // datagrams are parsed whole: no buffers grow
  }
  Collect(*flow, view);
  current_ = nullptr;
}

void FlowTracker::AdvanceHandshake(const Packet& packet, Flow& flow, int direction,
                                   PacketFlowView* view) {
  const uint8_t flags = packet.tcp_flags;
  const bool syn = flags & kTcpSyn;
  const bool ack = flags & kTcpAck;
  switch (flow.tcp_state) {
    case TcpState::kNone:
      if (syn && !ack && direction == kToServer) {
        ++stats_.tcp_syn;
        flow.tcp_state = TcpState::kSynSent;
        flow.streams[kToServer].Init(packet.tcp_seq + 1);
        if (packet.payload_len > 0 && packet.tcp_fast_open) {
          // TCP Fast Open: data on the SYN belongs to the stream. Without the option it does
          // not (Suricata): such a payload is inspected as a packet only.
          flow.streams[kToServer].AddSegment(packet.tcp_seq + 1, packet.payload, packet.payload_len,
                                             *this, kToServer, config_.stream, stats_.stream);
          view->payload_in_stream = true;
        }
      } else if (syn && ack && direction == kToClient) {
        flow.tcp_state = TcpState::kSynRecv;
        flow.streams[kToClient].Init(packet.tcp_seq + 1);
        flow.streams[kToServer].Init(packet.tcp_ack);
      } else if (!syn && !(flags & kTcpRst) && config_.midstream) {
        ++stats_.tcp_midstream_pickups;
        flow.midstream = true;
        flow.tcp_state = TcpState::kEstablished;
        flow.was_established = true;
        flow.stream_tracked = true;
        flow.streams[direction].Init(packet.tcp_seq);
        if (ack) flow.streams[1 - direction].Init(packet.tcp_ack);
      }
      break;
    case TcpState::kSynSent:
      if (direction == kToClient && syn && ack) {
        flow.tcp_state = TcpState::kSynRecv;
        flow.streams[kToClient].Init(packet.tcp_seq + 1);
      } else if (direction == kToServer && syn && !ack) {
        flow.streams[kToServer].Init(packet.tcp_seq + 1);  // SYN retransmitted or reused
      } else if (direction == kToServer && ack && !syn && config_.async_oneside) {
        flow.tcp_state = TcpState::kEstablished;
        flow.was_established = true;
        flow.stream_tracked = true;
        flow.streams[kToClient].Init(packet.tcp_ack);
      }
      break;
    case TcpState::kSynRecv:
      if (direction == kToServer && ack && !syn) {
        flow.tcp_state = TcpState::kEstablished;
        flow.was_established = true;
        flow.stream_tracked = true;
      } else if (direction == kToClient && syn && ack) {
        flow.streams[kToClient].Init(packet.tcp_seq + 1);
      } else if (direction == kToClient && ack && !syn && config_.async_oneside) {
        // Only the server's side is captured: its first ACK completes the handshake.
        flow.tcp_state = TcpState::kEstablished;
        flow.was_established = true;
        flow.stream_tracked = true;
      }
      break;
    default:
      break;
  }
}

void FlowTracker::HandleTcp(const Packet& packet, Flow& flow, int direction, PacketFlowView* view) {
  const uint8_t flags = packet.tcp_flags;
  const bool syn = flags & kTcpSyn;
  const bool ack = flags & kTcpAck;
  // A flow whose handshake the capture does not hold stays kNone, and with midstream pickup off
  // only a SYN can move it: half the TCP packets of the bench capture are such flows' packets.
  const bool handshake_can_advance = flow.tcp_state != TcpState::kNone || syn || config_.midstream;
  if (flow.tcp_state < TcpState::kEstablished && handshake_can_advance) {
    AdvanceHandshake(packet, flow, direction, view);
  }
  if (flow.stream_tracked && !flow.streams[direction].initialized()) {
    flow.streams[direction].Init(packet.tcp_seq);
  }

  if (flow.stream_tracked && !syn && !flow.tls_encrypted) {
    if (packet.payload_len > 0) {
      flow.streams[direction].AddSegment(packet.tcp_seq, packet.payload, packet.payload_len, *this,
                                         direction, config_.stream, stats_.stream);
      view->payload_in_stream = true;
    }
    if (ack) {
      flow.streams[1 - direction].OnPeerAck(packet.tcp_ack, *this, 1 - direction, stats_.stream);
    }
  } else if (packet.payload_len > 0 && !flow.tls_encrypted) {
    ++stats_.tcp_untracked_packets;
  }

  if (flags & kTcpRst) {
    flow.rst = true;
    flow.tcp_state = TcpState::kClosed;
  } else if (flags & kTcpFin) {
    flow.fin[direction] = true;
    if (flow.tcp_state == TcpState::kEstablished || flow.tcp_state == TcpState::kClosing) {
      flow.tcp_state = flow.fin[0] && flow.fin[1] ? TcpState::kClosed : TcpState::kClosing;
    }
    if (flow.http) flow.http->OnClose(direction);
  }
}

void FlowTracker::HandleUdp(const Packet& packet, Flow& flow, int direction, PacketFlowView* view) {
  if (packet.payload_len == 0) return;
  if (flow.app_proto == detect::AppProto::kUnknown && !flow.probe_done[direction]) {
    const detect::AppProto proto =
        DetectUdpProtocol(packet.payload, packet.payload_len, packet.sport, packet.dport);
    if (proto == detect::AppProto::kDns) {
      flow.app_proto = proto;
      ++stats_.app_dns;
      StartParser(flow);
      flow.memory_dirty = true;  // the parser's own size (its datagrams leave no buffers)
    } else {
      flow.probe_done[direction] = true;
      if (flow.probe_done[1 - direction]) {
        flow.app_proto = detect::AppProto::kFailed;
        ++stats_.app_failed;
      }
    }
  }
  if (flow.dns) flow.dns->FeedDatagram(direction, packet.payload, packet.payload_len);
}

void FlowTracker::StartParser(Flow& flow) {
  switch (flow.app_proto) {
    case detect::AppProto::kHttp:
      flow.http = std::make_unique<HttpParser>(config_.http);
      break;
    case detect::AppProto::kDns:
      flow.dns = std::make_unique<DnsParser>();
      break;
    case detect::AppProto::kTls:
      flow.tls = std::make_unique<TlsParser>();
      break;
    default:
      break;
  }
}

void FlowTracker::FeedApp(Flow& flow, int direction, const uint8_t* data, uint32_t len) {
  if (flow.app_proto == detect::AppProto::kUnknown) {
    if (flow.probe_done[direction]) return;
    flow.memory_dirty = true;  // the probe buffer grows, a parser may start
    std::string& buf = flow.probe_buf[direction];
    buf.append(reinterpret_cast<const char*>(data), len);
    detect::AppProto proto = detect::AppProto::kUnknown;
    const ProbeResult r = DetectTcpProtocol(direction, reinterpret_cast<const uint8_t*>(buf.data()),
                                            static_cast<uint32_t>(buf.size()), flow.client_port,
                                            flow.server_port, &proto);
    if (r == ProbeResult::kMatch) {
      flow.app_proto = proto;
      if (proto == detect::AppProto::kHttp) ++stats_.app_http;
      if (proto == detect::AppProto::kTls) ++stats_.app_tls;
      if (proto == detect::AppProto::kDns) ++stats_.app_dns;
      StartParser(flow);
      // Replay what each direction sent while the protocol was unknown.
      for (int d : {1 - direction, direction}) {
        std::string held = std::move(flow.probe_buf[d]);
        flow.probe_buf[d].clear();
        flow.probe_buf[d].shrink_to_fit();
        if (!held.empty()) {
          FeedApp(flow, d, reinterpret_cast<const uint8_t*>(held.data()),
                  static_cast<uint32_t>(held.size()));
        }
      }
      return;
    }
    if (r == ProbeResult::kNoMatch || buf.size() >= config_.max_probe_bytes) {
      flow.probe_done[direction] = true;
      buf.clear();
      buf.shrink_to_fit();
      if (flow.probe_done[1 - direction]) {
        flow.app_proto = detect::AppProto::kFailed;
        ++stats_.app_failed;
        flow.probe_buf[1 - direction].clear();
      }
    }
    return;
  }
  if (flow.http) {
    flow.memory_dirty = true;
    flow.http->Feed(direction, data, len);
  } else if (flow.tls) {
    flow.memory_dirty = true;
    if (flow.tls->Feed(direction, data, len)) flow.tls_hello_new = true;
  } else if (flow.dns) {
    flow.memory_dirty = true;
    flow.dns->FeedStream(direction, data, len);
  }
}

void FlowTracker::OnStreamData(int direction, const uint8_t* data, uint32_t len) {
  if (current_ == nullptr) return;
  FeedApp(*current_, direction, data, len);
}

void FlowTracker::OnStreamMemoryChanged(int direction) {
  if (current_ != nullptr) current_->memory_dirty = true;
}

void FlowTracker::OnStreamGap(int direction, uint32_t len) {
  if (current_ == nullptr) return;
  Flow& flow = *current_;
  flow.memory_dirty = true;
  if (flow.app_proto == detect::AppProto::kUnknown) {
    flow.probe_done[direction] = true;
    if (flow.probe_done[1 - direction]) flow.app_proto = detect::AppProto::kFailed;
  }
  if (flow.http) flow.http->OnGap(direction);
  if (flow.tls) flow.tls->OnGap(direction);
  if (flow.dns) flow.dns->OnGap(direction);
}

void FlowTracker::Collect(Flow& flow, PacketFlowView* view) {
  if (flow.http || flow.dns) CollectApp(flow, view);
  view->tls_client_hello = flow.tls_hello_new;
}

void FlowTracker::CollectApp(Flow& flow, PacketFlowView* view) {
  if (flow.http) {
    view->http_txs.assign(flow.http->touched().begin(), flow.http->touched().end());
  }
  if (flow.dns && !flow.dns->messages().empty()) flow.dns->TakeMessages(&view->dns_messages);
}

void FlowTracker::ReleaseApp(Flow& flow, PacketFlowView* view) {
  if (flow.http) {
    flow.http->ClearTouched();
    const size_t transactions = flow.http->transactions().size();
    flow.http->ReleaseCompleted();
    if (flow.http->transactions().size() != transactions) flow.memory_dirty = true;
  }
  if (flow.dns) flow.dns->ClearMessages();
  view->http_txs.clear();
  view->dns_messages.clear();
}

void FlowTracker::ApplyTlsEncryptionIfStarted(Flow& flow) {
  if (!flow.tls->encrypted() || config_.tls_encryption == TlsEncryptionHandling::kFull) return;
  ++stats_.tls_encrypted;
  flow.tls_encrypted = true;
  flow.bypassed = config_.tls_encryption == TlsEncryptionHandling::kBypass;
  // The parser reads nothing after the first encrypted record and detection no raw stream:
  // whatever is buffered or queued would never be read.
  for (TcpStream& stream : flow.streams) stream.Release();
  flow.memory_dirty = true;
}

void FlowTracker::FinishFlow(Flow& flow, PacketFlowView* view) {
  view->flow = &flow;
  view->direction = kToServer;
  view->payload_in_stream = false;
  view->http_txs.clear();
  view->dns_messages.clear();
  current_ = &flow;
  flow.memory_dirty = true;
  for (int d : {kToServer, kToClient}) {
    flow.streams[d].FlushAll(*this, d, stats_.stream);
    if (flow.http) flow.http->OnClose(d);
  }
  Collect(flow, view);
  current_ = nullptr;
}

}  // namespace otasuke::network
