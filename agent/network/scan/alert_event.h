#pragma once
// One network alert with everything its outputs need: the EVE JSON line (Suricata's field
// names and shapes) and the Otasuke v1::Alert. Built once per alert, off the per-packet path.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace otasuke::network {

struct HttpEventInfo {
  std::string hostname;
  std::string url;
  std::string user_agent;
  std::string content_type;
  std::string referer;
  std::string method;
  std::string protocol;
  uint32_t status = 0;
  uint64_t length = 0;  // response body bytes seen
};

struct DnsEventInfo {
  bool response = false;
  uint16_t id = 0;
  std::string rrname;
  std::string rrtype;
  std::string rcode;
  uint64_t tx_id = 0;
};

struct TlsEventInfo {
  std::string sni;
  std::string version;
  std::string ja3;
  std::string ja3_hash;
};

// Suricata's alert `verdict` object: the engine's final decision for the packet.
struct VerdictInfo {
  std::string action;               // "alert", "pass", "drop"
  std::string reject_target;        // "to_client", "to_server", "both"; empty: no reject
  std::vector<std::string> reject;  // "tcp-reset" / "icmp-prohib"
};

struct AlertEvent {
  int64_t ts_usec = 0;
  uint64_t pcap_cnt = 0;  // 0: not from a capture packet (stream flush at flow end)
  bool has_flow = false;
  uint64_t flow_id = 0;
  std::string src_ip;
  std::string dest_ip;
  bool has_ports = false;
  uint16_t src_port = 0;
  uint16_t dest_port = 0;
  std::string proto;  // "TCP", "UDP", ...
  uint8_t ip_version = 0;
  bool has_icmp = false;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  std::string app_proto;  // "http", "dns", "tls", "failed"; empty when unknown
  std::string community_id;
  std::string direction;  // "to_server" / "to_client"
  std::string pkt_src;    // "wire/pcap" or "stream (flow timeout)"
  // Flow counters at alert time.
  uint64_t pkts_toserver = 0;
  uint64_t pkts_toclient = 0;
  uint64_t bytes_toserver = 0;
  uint64_t bytes_toclient = 0;
  int64_t flow_start_usec = 0;
  // Tunnel (outermost addresses), when the packet was tunnelled.
  bool tunneled = false;
  std::string tunnel_src_ip;
  std::string tunnel_dest_ip;
  std::string tunnel_proto;
  bool tunnel_has_ports = false;
  uint16_t tunnel_src_port = 0;
  uint16_t tunnel_dest_port = 0;

  // The rule.
  std::string action;  // "allowed" / "blocked"
  uint32_t gid = 1;
  uint32_t sid = 0;
  uint32_t rev = 0;
  std::string signature;
  std::string category;
  int severity = 3;
  std::vector<std::pair<std::string, std::string>> metadata;
  bool in_stream = false;

  // The packet as captured (defragmented packets: link header + reassembled datagram), when
  // packet logging is on.
  std::string packet;
  int link_type = 0;
  bool has_ether = false;
  uint8_t src_mac[6] = {};
  uint8_t dest_mac[6] = {};

  std::optional<HttpEventInfo> http;
  std::optional<DnsEventInfo> dns;
  std::optional<TlsEventInfo> tls;
  std::optional<VerdictInfo> verdict;
};

// EVE JSON (one line, no trailing newline) for the alert, as Suricata writes event_type
// "alert". Timestamps are UTC ("2024-01-02T03:04:05.123456+0000"). Written directly as text
// (common/json_writer.h), in the bytes nlohmann's dump with the `replace` error
// handler gives: invalid UTF-8 from the wire is replaced with U+FFFD, never thrown on.
std::string ToEveJson(const AlertEvent& event);
// The same, appended to `*out`: a writer of many lines keeps one string and its capacity.
void AppendEveJson(const AlertEvent& event, std::string* out);
std::string EveTimestamp(int64_t ts_usec);

}  // namespace otasuke::network
