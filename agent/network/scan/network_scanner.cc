#include "agent/network/scan/network_scanner.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace otasuke::network {
namespace {

detect::IpAddress ToDetect(const IpAddress& a) {
  detect::IpAddress out;
  out.family = a.family;
  std::memcpy(out.bytes.data(), a.bytes, 16);
  return out;
}

}  // namespace

std::string EveAddress(const IpAddress& address) {
  if (address.family != 6) return address.ToString();
  std::string out;
  out.reserve(39);
  for (int i = 0; i < 16; i += 2) {
    if (i > 0) out.push_back(':');
    absl::StrAppendFormat(&out, "%02x%02x", address.bytes[i], address.bytes[i + 1]);
  }
  return out;
}

std::string_view AppProtoName(detect::AppProto proto) {
  switch (proto) {
    case detect::AppProto::kHttp:
      return "http";
    case detect::AppProto::kDns:
      return "dns";
    case detect::AppProto::kTls:
      return "tls";
    case detect::AppProto::kFailed:
      return "failed";
    case detect::AppProto::kUnknown:
      break;
  }
  return "";
}

NetworkScanner::NetworkScanner(ScannerConfig config,
                               std::shared_ptr<const detect::CompiledRules> rules,
                               AlertEventHandler* handler)
    : config_(config),
      decoder_(config.decoder),
      tracker_(config.flows, this),
      engine_(std::move(rules)),
      handler_(handler) {}

NetworkScanner::~NetworkScanner() = default;

std::string NetworkScanner::StatsLine() {
  return absl::StrFormat("packets=%d bytes=%d flows=%d alerts=%d decode_errors=%d", stats_.packets,
                         stats_.bytes, tracker_.table().stats().created, stats_.alerts,
                         decoder_.stats().errors);
}

detect::Inspection& NetworkScanner::StartPacketInspection() {
  const Packet& p = packet_;
  detect::Inspection& in = packet_inspection_;
  // The header facts and every other fact at its default in one aggregate, each field written
  // once: resetting all of them and then setting the header's wrote most twice.
  static_cast<detect::InspectionFacts&>(in) = detect::InspectionFacts{
      .kind = detect::InspectionKind::kPacket,
      .timestamp_us = p.ts_usec,
      .ip_version = p.ip_version,
      .src = ToDetect(p.src),
      .dst = ToDetect(p.dst),
      .ip_proto = p.proto,
      .src_port = p.sport,
      .dst_port = p.dport,
      .ttl = p.ttl,
      .tcp_flags = p.tcp_flags,
      .icmp_type = p.icmp_type,
      .icmp_code = p.icmp_code,
      .payload_size = p.payload_len,
  };
  in.SetBuffer(detect::BufferId::kPktData, std::span<const uint8_t>(p.payload, p.payload_len));
  return in;
}

void NetworkScanner::FillFlow(Flow& flow, int direction, detect::Inspection* in) {
  in->has_flow = true;
  in->flow_established = flow.established();
  in->direction =
      direction == kToServer ? detect::Direction::kToServer : detect::Direction::kToClient;
  in->app_proto = flow.app_proto;
  in->flow_state = flow.detect_state.get();
}

void NetworkScanner::FillHttp(const HttpTransaction& tx, int direction, detect::Inspection* in) {
  using detect::BufferId;
  in->tx_id = tx.id;
  if (tx.request_started) {
    in->SetBuffer(BufferId::kHttpMethod, std::string_view(tx.method));
    in->SetBuffer(BufferId::kHttpUri, std::string_view(tx.uri));
    in->SetBuffer(BufferId::kHttpUriRaw, std::string_view(tx.uri_raw));
    in->SetBuffer(BufferId::kHttpRequestLine, std::string_view(tx.request_line));
  }
  std::string_view value;
  if (tx.request_headers_done) {
    if (tx.RequestField(HttpField::kHost, &value)) {
      in->SetBuffer(BufferId::kHttpHost, std::string_view(tx.host_normalized));
      in->SetBuffer(BufferId::kHttpHostRaw, value);
    }
    if (tx.RequestField(HttpField::kUserAgent, &value)) {
      in->SetBuffer(BufferId::kHttpUserAgent, value);
    }
    if (tx.RequestField(HttpField::kReferer, &value)) in->SetBuffer(BufferId::kHttpReferer, value);
  }
  if (direction == kToServer) {
    // To-server only, as Suricata registers http_client_body (a response packet does not
    // inspect the request body again).
    if (tx.request_headers_done && !tx.request_body.empty()) {
      in->SetBuffer(BufferId::kHttpRequestBody, std::string_view(tx.request_body));
    }
    if (tx.request_started && !tx.request_protocol.empty()) {
      in->SetBuffer(BufferId::kHttpProtocol, std::string_view(tx.request_protocol));
    }
    if (tx.request_headers_done) {
      in->SetBuffer(BufferId::kHttpHeader, std::string_view(tx.request_headers_joined));
      in->SetBuffer(BufferId::kHttpHeaderRaw, std::string_view(tx.request_headers_raw));
      // Cookie and content type only when not empty.
      if (tx.RequestField(HttpField::kCookie, &value) && !value.empty()) {
        in->SetBuffer(BufferId::kHttpCookie, value);
      }
      if (tx.RequestField(HttpField::kContentType, &value) && !value.empty()) {
        in->SetBuffer(BufferId::kHttpContentType, value);
      }
    }
    return;
  }
  if (tx.response_started) {
    in->SetBuffer(BufferId::kHttpProtocol, std::string_view(tx.response_protocol));
    in->SetBuffer(BufferId::kHttpStatCode, std::string_view(tx.status_code));
    in->SetBuffer(BufferId::kHttpStatMsg, std::string_view(tx.status_message));
  }
  if (tx.response_headers_done) {
    in->SetBuffer(BufferId::kHttpHeader, std::string_view(tx.response_headers_joined));
    in->SetBuffer(BufferId::kHttpHeaderRaw, std::string_view(tx.response_headers_raw));
    if (tx.ResponseField(HttpField::kCookie, &value) && !value.empty()) {
      in->SetBuffer(BufferId::kHttpCookie, value);
    }
    if (tx.ResponseField(HttpField::kContentType, &value) && !value.empty()) {
      in->SetBuffer(BufferId::kHttpContentType, value);
    }
    if (!tx.response_body.empty()) {
      in->SetBuffer(BufferId::kHttpResponseBody, std::string_view(tx.response_body));
    }
  }
}

const HttpTransaction* NetworkScanner::LatestTransaction(const HttpParser& http, int direction) {
  const HttpTransaction* latest = nullptr;
  for (const HttpTransaction& tx : http.transactions()) {
    if (direction == kToServer ? tx.request_started : tx.response_started) latest = &tx;
  }
  return latest;
}

void NetworkScanner::Run(const detect::Inspection& in, const Context& ctx) {
  ctx_ = &ctx;
  ++stats_.inspections;
  const detect::InspectResult result = engine_.Inspect(in, *this);
  // A drop that applies to the flow: Suricata inspects the flow no more, in IDS mode too.
  if (result.flow_dropped && ctx.flow != nullptr) ctx.flow->dropped = true;
}

void NetworkScanner::InspectApp(const PacketFlowView& view, detect::Inspection& base, Context& ctx,
                                bool base_used) {
  // The first transaction rides on the packet's own inspection; each further one gets an
  // inspection of its own without packet data, so packet rules do not fire again.
  bool first = true;
  auto inspect_extra = [&](auto fill) {
    if (first && !base_used) {
      first = false;
      fill(base);
      Run(base, ctx);
      return;
    }
    first = false;
    // Same packet, stream chunk and flow facts; only the transaction differs.
    detect::Inspection extra = base;
    extra.tx_only = true;
    extra.tx_id = 0;
    constexpr uint32_t kKeep = (1u << static_cast<unsigned>(detect::BufferId::kPktData)) |
                               (1u << static_cast<unsigned>(detect::BufferId::kStream));
    extra.present_mask &= kKeep;
    fill(extra);
    Run(extra, ctx);
  };
  for (const HttpTransaction* tx : view.http_txs) {
    ctx.http = tx;
    inspect_extra([&](detect::Inspection& in) { FillHttp(*tx, view.direction, &in); });
  }
  ctx.http = nullptr;
  for (const DnsMessage& message : view.dns_messages) {
    if (app_observer_ != nullptr) app_observer_->OnDnsMessage(*view.flow, view.direction, message);
    ctx.dns = &message;
    inspect_extra([&](detect::Inspection& in) {
      in.tx_id = message.tx_id;
      if (!message.response && !message.questions.empty()) {
        in.SetBuffer(detect::BufferId::kDnsQuery, std::string_view(message.questions[0].name));
      }
    });
  }
  ctx.dns = nullptr;
  if (view.tls_client_hello && view.flow->tls) {
    ctx.tls = true;
    inspect_extra([&](detect::Inspection& in) {
      in.tx_id = 0;
      in.SetBuffer(detect::BufferId::kTlsSni, std::string_view(view.flow->tls->client_hello().sni));
    });
    ctx.tls = false;
  }
  if (first && !base_used) Run(base, ctx);
}

void NetworkScanner::OnFrame(int link_type, const RawFrame& frame, uint64_t pcap_cnt) {
  ++stats_.packets;
  stats_.bytes += frame.wire_len;
  packet_.pcap_cnt = pcap_cnt;
  const Decoder::Verdict verdict = decoder_.Decode(link_type, frame.data, frame.cap_len,
                                                   frame.wire_len, frame.ts_usec, &packet_);
  if (verdict == Decoder::Verdict::kError) {
    ++stats_.decode_errors;
    if (packet_.error == DecodeError::kUnsupportedLinkType) ++stats_.unsupported_link;
    return;
  }
  if (verdict != Decoder::Verdict::kReady) return;

  Context ctx;
  ctx.packet = &packet_;
  if (packet_.error != DecodeError::kNone) {
    // Broken transport header: IP-level inspection only, outside any flow.
    ++stats_.decode_errors;
    Run(StartPacketInspection(), ctx);
    return;
  }
  tracker_.Process(packet_, &view_);
  Flow* flow = view_.flow;
  // A drop rule matched this flow (Suricata inspects it no more), or its TLS session is
  // encrypted and bypassed.
  if (flow->dropped || flow->bypassed) {
    tracker_.Done(&view_);
    return;
  }
  std::span<const uint8_t> chunk;
  if (flow->stream_tracked && !flow->tls_encrypted) {
    chunk = FlowTracker::RawPending(*flow, view_.direction, config_.stream_inline);
  }
  // Only a packet without inspected payload or stream chunk can be skipped (checked here, as
  // nearly every packet with content stops at it: the call cost more than the test).
  const bool payload_inspected = packet_.payload_len != 0 && !flow->tls_encrypted;
  if (!payload_inspected && chunk.empty() && SkipsContentless(*flow)) {
    ++stats_.contentless_skipped;
    tracker_.Done(&view_);
    return;
  }
  detect::Inspection& in = StartPacketInspection();
  ctx.flow = flow;
  ctx.direction = view_.direction;
  FillFlow(*flow, view_.direction, &in);
  in.payload_in_stream = view_.payload_in_stream;
  if (flow->tls_encrypted) {
    // Encrypted TLS (encryption handling `default`): header, flow and app-layer facts only.
    // dsize still sees the payload's size, as in Suricata.
    in.present_mask &= ~(1u << static_cast<unsigned>(detect::BufferId::kPktData));
  }
  if (!chunk.empty()) in.SetBuffer(detect::BufferId::kStream, chunk);
  if (!chunk.empty() && view_.http_txs.empty() && flow->http) {
    // Stream data meets the transaction it belongs to, so rules mixing payload and HTTP
    // buffers can match; the engine's per-transaction marks keep alerts single.
    const HttpTransaction* latest = LatestTransaction(*flow->http, view_.direction);
    if (latest != nullptr) view_.http_txs.push_back(const_cast<HttpTransaction*>(latest));
  }
  if (view_.http_txs.empty() && view_.dns_messages.empty() && !view_.tls_client_hello) {
    Run(in, ctx);  // most packets: no application record to inspect
  } else {
    InspectApp(view_, in, ctx, false);
  }
  if (!chunk.empty()) FlowTracker::ConsumeRaw(*flow, view_.direction, chunk.size());
  tracker_.Done(&view_);
}

bool NetworkScanner::SkipsContentless(const Flow& flow) const {
  if (flow.detect_state == nullptr) return false;
  if (!view_.http_txs.empty() || !view_.dns_messages.empty() || view_.tls_client_hello) {
    return false;
  }
  const detect::Direction direction =
      view_.direction == kToServer ? detect::Direction::kToServer : detect::Direction::kToClient;
  return !engine_.ContentlessInspectionCanMatch(*flow.detect_state, direction, flow.app_proto);
}

void NetworkScanner::OnFlowEnd(Flow& flow, FlowEndReason reason) {
  tracker_.FinishFlow(flow, &end_view_);
  for (int direction : {kToServer, kToClient}) {
    detect::Inspection in;
    in.kind = detect::InspectionKind::kStreamFlush;
    in.timestamp_us = flow.last_usec;
    in.ip_version = flow.client.family;
    const bool to_server = direction == kToServer;
    in.src = ToDetect(to_server ? flow.client : flow.server);
    in.dst = ToDetect(to_server ? flow.server : flow.client);
    in.src_port = to_server ? flow.client_port : flow.server_port;
    in.dst_port = to_server ? flow.server_port : flow.client_port;
    in.ip_proto = flow.proto;
    FillFlow(flow, direction, &in);
    std::span<const uint8_t> chunk;
    if (flow.stream_tracked) {
      chunk = FlowTracker::RawPending(flow, direction, true);
      if (!chunk.empty()) in.SetBuffer(detect::BufferId::kStream, chunk);
    }
    Context ctx;
    ctx.flow = &flow;
    ctx.direction = direction;
    PacketFlowView view;
    view.flow = &flow;
    view.direction = direction;
    if (flow.http) {
      // Every transaction still open meets the final stream data of its direction.
      for (const HttpTransaction& tx : flow.http->transactions()) {
        const bool has_side = direction == kToServer ? tx.request_started : tx.response_started;
        if (has_side) view.http_txs.push_back(const_cast<HttpTransaction*>(&tx));
      }
    }
    if (direction == kToServer) view.dns_messages = end_view_.dns_messages;
    const bool has_app = !view.http_txs.empty() || !view.dns_messages.empty();
    if (!chunk.empty() || has_app) InspectApp(view, in, ctx, false);
    if (!chunk.empty()) FlowTracker::ConsumeRaw(flow, direction, chunk.size());
  }
  tracker_.Done(&end_view_);
}

void NetworkScanner::Finish() { tracker_.Drain(); }

void NetworkScanner::OnAlert(const detect::Alert& alert) {
  ++stats_.alerts;
  if (handler_ == nullptr) return;
  AlertEvent e;
  const Context& ctx = *ctx_;
  const Flow* flow = ctx.flow;
  const Packet* p = ctx.packet;
  if (p != nullptr) {
    e.ts_usec = p->ts_usec;
    e.pcap_cnt = p->pcap_cnt;
    e.src_ip = EveAddress(p->src);
    e.dest_ip = EveAddress(p->dst);
    e.ip_version = p->ip_version;
    e.proto = ProtoName(p->proto);
    e.has_ports = p->is_tcp() || p->is_udp();
    e.src_port = p->sport;
    e.dest_port = p->dport;
    if (p->is_icmp()) {
      e.has_icmp = true;
      e.icmp_type = p->icmp_type;
      e.icmp_code = p->icmp_code;
    }
    if (config_.eve_ethernet && p->has_ether) {
      e.has_ether = true;
      std::memcpy(e.src_mac, p->src_mac, 6);
      std::memcpy(e.dest_mac, p->dst_mac, 6);
    }
    if (config_.eve_packet && p->frame != nullptr) {
      e.link_type = p->link_type;
      if (p->defragmented && p->l3_offset >= 0) {
        e.packet.assign(reinterpret_cast<const char*>(p->frame), p->l3_offset);
        e.packet.append(reinterpret_cast<const char*>(p->ip_header), p->ip_len);
      } else {
        e.packet.assign(reinterpret_cast<const char*>(p->frame), p->cap_len);
      }
    }
    if (p->tunnel_depth > 0) {
      e.tunneled = true;
      e.tunnel_src_ip = EveAddress(p->tunnel_src);
      e.tunnel_dest_ip = EveAddress(p->tunnel_dst);
      e.tunnel_proto = ProtoName(p->tunnel_proto);
      if (p->tunnel_dport != 0) {
        e.tunnel_has_ports = true;
        e.tunnel_src_port = p->tunnel_sport;
        e.tunnel_dest_port = p->tunnel_dport;
      }
      e.pkt_src = p->tunnel_src.family == 6 ? "ipv6 tunnel" : "tunnel source";
    } else {
      e.pkt_src = "wire/pcap";
    }
  } else if (flow != nullptr) {
    const bool to_server = ctx.direction == kToServer;
    e.ts_usec = flow->last_usec;
    e.src_ip = EveAddress(to_server ? flow->client : flow->server);
    e.dest_ip = EveAddress(to_server ? flow->server : flow->client);
    e.ip_version = flow->client.family;
    e.proto = ProtoName(flow->proto);
    e.has_ports = flow->proto == kProtoTcp || flow->proto == kProtoUdp;
    e.src_port = to_server ? flow->client_port : flow->server_port;
    e.dest_port = to_server ? flow->server_port : flow->client_port;
    e.pkt_src = "stream (flow timeout)";
  }
  if (flow != nullptr) {
    e.has_flow = true;
    e.flow_id = flow->flow_id;
    e.community_id = flow->community_id();
    e.app_proto = std::string(AppProtoName(flow->app_proto));
    e.direction = ctx.direction == kToServer ? "to_server" : "to_client";
    e.pkts_toserver = flow->packets[kToServer];
    e.pkts_toclient = flow->packets[kToClient];
    e.bytes_toserver = flow->bytes[kToServer];
    e.bytes_toclient = flow->bytes[kToClient];
    e.flow_start_usec = flow->first_usec;
  }
  const detect::RuleInfo& rule = *alert.rule;
  e.action = std::string(alert.action);
  if (config_.eve_verdict) {
    VerdictInfo v;
    v.action = std::string(detect::VerdictActionName(alert.verdict.action));
    if (alert.verdict.reject != detect::RejectTarget::kNone) {
      v.reject_target = std::string(detect::RejectTargetName(alert.verdict.reject));
      const uint8_t proto = p != nullptr ? p->proto : (flow != nullptr ? flow->proto : 0);
      if (proto == kProtoTcp) v.reject.emplace_back("tcp-reset");
      if (proto == kProtoUdp || proto == kProtoIcmp || proto == kProtoIcmpv6) {
        v.reject.emplace_back("icmp-prohib");
      }
    }
    e.verdict = std::move(v);
  }
  e.gid = rule.gid;
  e.sid = rule.sid;
  e.rev = rule.rev;
  e.signature = rule.msg;
  e.category = rule.category;
  e.severity = rule.priority;
  e.metadata = rule.metadata;
  e.in_stream = alert.matched_in_stream;
  if (ctx.http != nullptr) {
    const HttpTransaction& tx = *ctx.http;
    HttpEventInfo h;
    h.hostname = tx.NormalizedHost();
    h.url = tx.uri_raw;
    std::string_view value;
    if (HttpTransaction::FindHeader(tx.request_headers, "user-agent", &value)) {
      h.user_agent = std::string(value);
    }
    if (HttpTransaction::FindHeader(tx.response_headers, "content-type", &value)) {
      h.content_type = std::string(value);
    }
    if (HttpTransaction::FindHeader(tx.request_headers, "referer", &value)) {
      h.referer = std::string(value);
    }
    h.method = tx.method;
    h.protocol = tx.request_protocol.empty() ? tx.response_protocol : tx.request_protocol;
    h.status = tx.status;
    h.length = tx.response_body_seen;
    e.http = std::move(h);
  }
  if (ctx.dns != nullptr) {
    const DnsMessage& m = *ctx.dns;
    DnsEventInfo d;
    d.response = m.response;
    d.id = m.id;
    if (!m.questions.empty()) {
      d.rrname = m.questions[0].name;
      d.rrtype = DnsTypeName(m.questions[0].type);
    }
    d.rcode = DnsRcodeName(m.rcode);
    d.tx_id = m.tx_id;
    e.dns = std::move(d);
  }
  if (ctx.tls && flow != nullptr && flow->tls && flow->tls->has_client_hello()) {
    const TlsClientHello& hello = flow->tls->client_hello();
    TlsEventInfo t;
    t.sni = hello.sni;
    t.version = TlsVersionName(flow->tls->server_version() != 0 ? flow->tls->server_version()
                                                                : hello.version);
    t.ja3 = hello.Ja3();
    t.ja3_hash = hello.Ja3Hash();
    e.tls = std::move(t);
  }
  handler_->OnAlertEvent(e);
}

}  // namespace otasuke::network
