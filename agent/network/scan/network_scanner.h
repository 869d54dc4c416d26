#pragma once
// The network engine's driver: captured frames in, alerts out. Each frame is decoded, put
// in its flow (TCP reassembly, application-layer parsing), turned into one or more
// detect::Inspection views — the packet with its payload, the newly acknowledged stream
// chunk and the application transactions the packet advanced — and inspected. Flows that
// end (timeout, eviction, end of input) get a final stream flush. One scanner per thread.

#include <cstdint>
#include <memory>
#include <string>

#include "agent/network/detect/engine.h"
#include "agent/network/packet/decoder.h"
#include "agent/network/packet/flow_tracker.h"
#include "agent/network/packet/pcap_source.h"
#include "agent/network/scan/alert_event.h"

namespace otasuke::network {

struct ScannerConfig {
  DecoderConfig decoder;
  FlowTrackerConfig flows;
  // Inspect stream data as soon as it is in order, not once acknowledged (Suricata's
  // stream.inline, the IPS behaviour).
  bool stream_inline = false;
  // Add the packet (base64) and its link type to EVE alerts, as Suricata's alert
  // `packet: yes`.
  bool eve_packet = false;
  // Add "ether": {src_mac, dest_mac} to EVE alerts, as Suricata's eve `ethernet: yes`.
  bool eve_ethernet = false;
  // Add "verdict": {action, reject-target, reject} to EVE alerts, as Suricata's eve alert
  // `verdict: yes`.
  bool eve_verdict = false;
};

// Receives every alert; called on the scanner's thread.
class AlertEventHandler {
 public:
  virtual ~AlertEventHandler() = default;
  virtual void OnAlertEvent(const AlertEvent& event) = 0;
};

// Receives application-layer records as the parsers complete them (for host-event rules:
// a DNS query becomes a Sigma dns_query event); called on the scanner's thread.
class AppRecordObserver {
 public:
  virtual ~AppRecordObserver() = default;
  // A DNS message of `flow` sent in `direction` (kToServer: a query).
  virtual void OnDnsMessage(const Flow& flow, int direction, const DnsMessage& message) = 0;
};

struct ScannerStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t decode_errors = 0;
  uint64_t alerts = 0;
  uint64_t inspections = 0;
  // Packets without payload (or with the uninspected payload of an encrypted TLS flow), stream
  // data or transaction that the engine said could match nothing
  // (DetectEngine::ContentlessInspectionCanMatch): not inspected.
  uint64_t contentless_skipped = 0;
  uint64_t unsupported_link = 0;
};

class NetworkScanner : private FlowEndHandler, private detect::AlertCallback {
 public:
  NetworkScanner(ScannerConfig config, std::shared_ptr<const detect::CompiledRules> rules,
                 AlertEventHandler* handler);
  ~NetworkScanner() override;

  // One captured frame. `pcap_cnt` is its 1-based index in the capture (0 for live).
  void OnFrame(int link_type, const RawFrame& frame, uint64_t pcap_cnt);
  // Advances flow timeouts without a packet (live capture idle periods).
  void Tick(int64_t now_usec) { tracker_.Expire(now_usec); }
  // Ends every flow: final stream flushes and their alerts.
  void Finish();
  // Also reports application records to `observer` (may be null: none).
  void SetAppRecordObserver(AppRecordObserver* observer) { app_observer_ = observer; }
  // Switches to a newly published rule set.
  void SetRules(std::shared_ptr<const detect::CompiledRules> rules) { engine_.SetRules(rules); }

  const ScannerStats& stats() const { return stats_; }
  const DecodeStats& decode_stats() const { return decoder_.stats(); }
  const FlowTrackerStats& flow_stats() const { return tracker_.stats(); }
  const FlowTableStats& flow_table_stats() { return tracker_.table().stats(); }
  const detect::DetectStats& detect_stats() const { return engine_.stats(); }
  // "packets=N bytes=N flows=N alerts=N decode_errors=N"
  std::string StatsLine();

 private:
  // Per-inspection context that alert callbacks read.
  struct Context {
    const Packet* packet = nullptr;  // null for flow-end flushes
    Flow* flow = nullptr;
    int direction = kToServer;
    const HttpTransaction* http = nullptr;
    const DnsMessage* dns = nullptr;
    bool tls = false;
  };

  void OnFlowEnd(Flow& flow, FlowEndReason reason) override;
  void OnAlert(const detect::Alert& alert) override;

  // The reused packet inspection, filled for packet_: header facts, no flow, no buffers but
  // pkt_data.
  detect::Inspection& StartPacketInspection();
  void FillFlow(Flow& flow, int direction, detect::Inspection* in);
  void FillHttp(const HttpTransaction& tx, int direction, detect::Inspection* in);
  // Inspects the app-layer transactions of `view` (the first one may share `base`).
  void InspectApp(const PacketFlowView& view, detect::Inspection& base, Context& ctx,
                  bool base_used);
  void Run(const detect::Inspection& in, const Context& ctx);
  // The packet just processed, which carries no inspected payload (none, or the payload of an
  // encrypted TLS flow: dsize rules, which are patternless, keep such a direction inspected)
  // and no stream chunk, carries no transaction either and its flow direction can match
  // nothing without content.
  bool SkipsContentless(const Flow& flow) const;
  static const HttpTransaction* LatestTransaction(const HttpParser& http, int direction);

  ScannerConfig config_;
  Decoder decoder_;
  FlowTracker tracker_;
  detect::DetectEngine engine_;
  AlertEventHandler* handler_;
  AppRecordObserver* app_observer_ = nullptr;
  ScannerStats stats_;
  Packet packet_;
  // The inspection of the packet being handled, reused from packet to packet: constructing
  // one zeroes its 21 buffer views and every fact, ≈ 60 instructions a packet.
  detect::Inspection packet_inspection_;
  PacketFlowView view_;
  PacketFlowView end_view_;
  // The context of the inspection being run (OnAlert reads it); valid during Run().
  const Context* ctx_ = nullptr;
};

// EVE address text: IPv4 dotted, IPv6 in Suricata's full form (2001:0db8:0000:...).
std::string EveAddress(const IpAddress& address);
std::string_view AppProtoName(detect::AppProto proto);

}  // namespace otasuke::network
