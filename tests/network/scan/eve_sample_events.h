#pragma once
// Alert events covering every optional part of an EVE alert line, for the expected-text test
// of ToEveJson (the text was produced by the nlohmann::ordered_json writer it replaced).

#include <vector>

#include "agent/network/scan/alert_event.h"

namespace otasuke::network::testing {

inline std::vector<AlertEvent> SampleAlertEvents() {
  std::vector<AlertEvent> events;

  // A packet alert with no flow: no ports, ICMP, no optional objects.
  AlertEvent icmp;
  icmp.ts_usec = 1'700'000'000'000'001;
  icmp.pcap_cnt = 7;
  icmp.src_ip = "10.0.0.1";
  icmp.dest_ip = "10.0.0.2";
  icmp.proto = "ICMP";
  icmp.ip_version = 4;
  icmp.has_icmp = true;
  icmp.icmp_type = 8;
  icmp.icmp_code = 0;
  icmp.pkt_src = "wire/pcap";
  icmp.action = "allowed";
  icmp.sid = 1;
  icmp.rev = 2;
  icmp.signature = "ping";
  icmp.severity = 3;
  events.push_back(icmp);

  // Everything: flow, tunnel, ether, metadata (a repeated key), HTTP, DNS, TLS, packet, verdict,
  // and strings that need escaping (quote, backslash, control bytes, UTF-8, invalid UTF-8).
  AlertEvent all;
  all.ts_usec = 951'782'400'123'456;  // 2000-02-29
  all.pcap_cnt = 12'345'678'901ULL;
  all.has_flow = true;
  all.flow_id = 18'446'744'073'709'551'615ULL;
  all.src_ip = "2001:0db8:0000:0000:0000:0000:0000:0001";
  all.dest_ip = "2001:0db8:0000:0000:0000:0000:0000:0002";
  all.has_ports = true;
  all.src_port = 65535;
  all.dest_port = 80;
  all.proto = "TCP";
  all.ip_version = 6;
  all.pkt_src = "tunnel source";
  all.tunneled = true;
  all.tunnel_src_ip = "192.168.1.1";
  all.tunnel_dest_ip = "192.168.1.2";
  all.tunnel_proto = "UDP";
  all.tunnel_has_ports = true;
  all.tunnel_src_port = 4789;
  all.tunnel_dest_port = 4789;
  all.community_id = "1:abcdefghijABCDEFGHIJ0123456=";
  all.has_ether = true;
  const uint8_t src_mac[6] = {0x00, 0x1b, 0x21, 0xab, 0xcd, 0xef};
  const uint8_t dest_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  std::copy(src_mac, src_mac + 6, all.src_mac);
  std::copy(dest_mac, dest_mac + 6, all.dest_mac);
  all.app_proto = "http";
  all.direction = "to_server";
  all.pkts_toserver = 3;
  all.pkts_toclient = 2;
  all.bytes_toserver = 1'500;
  all.bytes_toclient = 98'765;
  all.flow_start_usec = 951'782'399'999'999;
  all.action = "blocked";
  all.gid = 1;
  all.sid = 2'019'401;
  all.rev = 12;
  all.signature = "ET \"quoted\" back\\slash\ttab\x01\x1f\x7f caf\xc3\xa9 \xe2\x82\xac";
  all.category = "A Network Trojan was detected";
  all.severity = 1;
  all.metadata = {{"affected_product", "Windows"},
                  {"created_at", "2019_01_01"},
                  {"affected_product", "Linux"},
                  {"tag", "bad\xff\xfeutf8"}};
  all.in_stream = true;
  all.packet = std::string("\x00\x01\x02\xff hello", 10);
  all.link_type = 1;
  HttpEventInfo http;
  http.hostname = "www.example.com";
  http.url = "/a?b=c&d=\"e\"\r\n";
  http.user_agent = "Mozilla/5.0 \xf0\x9f\x98\x80";
  http.content_type = "text/html";
  http.referer = "http://ref.example/";
  http.method = "GET";
  http.protocol = "HTTP/1.1";
  http.status = 200;
  http.length = 4'096;
  all.http = http;
  DnsEventInfo dns;
  dns.response = true;
  dns.id = 4660;
  dns.rrname = "evil.example";
  dns.rrtype = "A";
  dns.rcode = "NOERROR";
  dns.tx_id = 9;
  all.dns = dns;
  TlsEventInfo tls;
  tls.sni = "sni.example";
  tls.version = "TLS 1.2";
  tls.ja3 = "771,4865-4866,0-23,29-23,0";
  tls.ja3_hash = "e7d705a3286e19ea42f587b344ee6865";
  all.tls = tls;
  VerdictInfo verdict;
  verdict.action = "drop";
  verdict.reject_target = "to_client";
  verdict.reject = {"tcp-reset", "icmp-prohib"};
  all.verdict = verdict;
  events.push_back(all);

  // Optional objects with only their required members: an HTTP transaction with nothing seen,
  // a DNS query, TLS without SNI / version / JA3, a verdict without reject; a flow-end stream
  // alert (no pcap_cnt), a tunnel without ports.
  AlertEvent sparse;
  sparse.ts_usec = 0;
  sparse.has_flow = true;
  sparse.flow_id = 1;
  sparse.src_ip = "1.2.3.4";
  sparse.dest_ip = "5.6.7.8";
  sparse.has_ports = true;
  sparse.src_port = 0;
  sparse.dest_port = 53;
  sparse.proto = "UDP";
  sparse.ip_version = 4;
  sparse.tunneled = true;
  sparse.tunnel_src_ip = "9.9.9.9";
  sparse.tunnel_dest_ip = "8.8.8.8";
  sparse.tunnel_proto = "GRE";
  sparse.pkt_src = "stream (flow timeout)";
  sparse.action = "allowed";
  sparse.sid = 3;
  sparse.rev = 0;
  sparse.severity = -1;
  sparse.flow_start_usec = 253'402'300'799'999'999;  // 9999-12-31T23:59:59.999999
  sparse.http = HttpEventInfo{};
  DnsEventInfo query;
  query.id = 1;
  query.rcode = "NXDOMAIN";  // not written for a query
  sparse.dns = query;
  sparse.tls = TlsEventInfo{};
  VerdictInfo pass;
  pass.action = "pass";
  sparse.verdict = pass;
  events.push_back(sparse);
  return events;
}

}  // namespace otasuke::network::testing
