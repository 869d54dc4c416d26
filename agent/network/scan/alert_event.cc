#include "agent/network/scan/alert_event.h"

#include <ctime>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace otasuke::network {

std::string EveTimestamp(int64_t ts_usec) {
  const time_t secs = static_cast<time_t>(ts_usec / 1'000'000);
  const int64_t usec = ts_usec % 1'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%06d+0000", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

std::string ToEveJson(const AlertEvent& e) {
  nlohmann::ordered_json j;
  j["timestamp"] = EveTimestamp(e.ts_usec);
  if (e.has_flow) j["flow_id"] = e.flow_id;
  if (e.pcap_cnt != 0) j["pcap_cnt"] = e.pcap_cnt;
  j["event_type"] = "alert";
  j["src_ip"] = e.src_ip;
  if (e.has_ports) j["src_port"] = e.src_port;
  j["dest_ip"] = e.dest_ip;
  if (e.has_ports) j["dest_port"] = e.dest_port;
  j["ip_v"] = e.ip_version;
  j["proto"] = e.proto;
  if (e.has_icmp) {
    j["icmp_type"] = e.icmp_type;
    j["icmp_code"] = e.icmp_code;
  }
  if (!e.pkt_src.empty()) j["pkt_src"] = e.pkt_src;
  if (e.tunneled) {
    nlohmann::ordered_json tunnel;
    tunnel["src_ip"] = e.tunnel_src_ip;
    if (e.tunnel_has_ports) tunnel["src_port"] = e.tunnel_src_port;
    tunnel["dest_ip"] = e.tunnel_dest_ip;
    if (e.tunnel_has_ports) tunnel["dest_port"] = e.tunnel_dest_port;
    tunnel["proto"] = e.tunnel_proto;
    tunnel["depth"] = 0;
    j["tunnel"] = std::move(tunnel);
  }
  if (!e.community_id.empty()) j["community_id"] = e.community_id;
  if (e.has_ether) {
    auto mac = [](const uint8_t* m) {
      return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    };
    j["ether"] = {{"src_mac", mac(e.src_mac)}, {"dest_mac", mac(e.dest_mac)}};
  }
  if (!e.app_proto.empty()) j["app_proto"] = e.app_proto;
  if (!e.direction.empty()) j["direction"] = e.direction;

  nlohmann::ordered_json alert;
  alert["action"] = e.action;
  alert["gid"] = e.gid;
  alert["signature_id"] = e.sid;
  alert["rev"] = e.rev;
  alert["signature"] = e.signature;
  alert["category"] = e.category;
  alert["severity"] = e.severity;
  if (!e.metadata.empty()) {
    nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
    for (const auto& [key, value] : e.metadata) metadata[key].push_back(value);
    alert["metadata"] = std::move(metadata);
  }
  j["alert"] = std::move(alert);

  if (e.http) {
    const HttpEventInfo& h = *e.http;
    nlohmann::ordered_json http;
    if (!h.hostname.empty()) http["hostname"] = h.hostname;
    if (!h.url.empty()) http["url"] = h.url;
    if (!h.user_agent.empty()) http["http_user_agent"] = h.user_agent;
    if (!h.content_type.empty()) http["http_content_type"] = h.content_type;
    if (!h.referer.empty()) http["http_refer"] = h.referer;
    if (!h.method.empty()) http["http_method"] = h.method;
    if (!h.protocol.empty()) http["protocol"] = h.protocol;
    if (h.status != 0) http["status"] = h.status;
    http["length"] = h.length;
    j["http"] = std::move(http);
  }
  if (e.dns) {
    const DnsEventInfo& d = *e.dns;
    nlohmann::ordered_json query;
    query["type"] = d.response ? "answer" : "query";
    query["id"] = d.id;
    if (!d.rrname.empty()) query["rrname"] = d.rrname;
    if (!d.rrtype.empty()) query["rrtype"] = d.rrtype;
    if (d.response) query["rcode"] = d.rcode;
    query["tx_id"] = d.tx_id;
    j["dns"] = {{"query", nlohmann::ordered_json::array({query})}};
  }
  if (e.tls) {
    const TlsEventInfo& t = *e.tls;
    nlohmann::ordered_json tls;
    if (!t.sni.empty()) tls["sni"] = t.sni;
    if (!t.version.empty()) tls["version"] = t.version;
    if (!t.ja3_hash.empty()) tls["ja3"] = {{"hash", t.ja3_hash}, {"string", t.ja3}};
    j["tls"] = std::move(tls);
  }
  if (e.has_flow) {
    j["flow"] = {{"pkts_toserver", e.pkts_toserver},
                 {"pkts_toclient", e.pkts_toclient},
                 {"bytes_toserver", e.bytes_toserver},
                 {"bytes_toclient", e.bytes_toclient},
                 {"start", EveTimestamp(e.flow_start_usec)}};
  }
  j["stream"] = e.in_stream ? 1 : 0;
  if (!e.packet.empty()) {
    j["packet"] = absl::Base64Escape(absl::string_view(e.packet));
    j["packet_info"] = {{"linktype", e.link_type}};
  }
  if (e.verdict) {
    nlohmann::ordered_json verdict;
    verdict["action"] = e.verdict->action;
    if (!e.verdict->reject_target.empty()) {
      verdict["reject-target"] = e.verdict->reject_target;
      verdict["reject"] = e.verdict->reject;
    }
    j["verdict"] = std::move(verdict);
  }
  // Invalid UTF-8 from the wire (msg, hostnames) is replaced, never thrown on.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace otasuke::network
