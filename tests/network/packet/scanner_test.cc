// End to end: crafted pcaps through the scanner with real rules — stream rules over
// reassembled data (split, out of order, overlapping), HTTP / DNS / TLS buffers, fragments,
// flow state, EVE output, Otasuke alert conversion and the scan-pcap command.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/network/scan/alert_convert.h"
#include "agent/network/scan/dns_query_event.h"
#include "agent/network/scan/network_scanner.h"
#include "agent/network/scan/network_sensor.h"
#include "agent/network/scan/pcap_scan.h"
#include "agent/network/scan/scan_pcap_command.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/network/packet/packet_builder.h"
#include "tests/network/packet/scan_test_util.h"

namespace otasuke::network {
namespace {

using testing::Bytes;
using testing::Collector;
using testing::Endpoints;
using testing::Scan;
using testing::TcpSession;

std::vector<Bytes> Concat(std::vector<Bytes> a, const std::vector<Bytes>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(ScannerTest, ContentSplitAcrossSegmentsMatchesInStream) {
  TcpSession s(Endpoints{});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData("xxevil-pay"));
  frames.push_back(s.ClientData("load-yy"));
  frames.push_back(s.ServerAck());
  frames.push_back(s.ClientData("z"));
  const Collector c = Scan(frames,
                           "alert tcp any any -> any any (msg:\"split\"; flow:established,"
                           "to_server; content:\"evil-payload\"; sid:1;)\n");
  ASSERT_EQ(c.Count(1), 1);
  EXPECT_TRUE(c.events[0].in_stream);
  EXPECT_EQ(c.events[0].direction, "to_server");
}

TEST(ScannerTest, OutOfOrderAndOverlapUseFirstCopy) {
  TcpSession s(Endpoints{});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientAt(6, "world"));       // arrives first, out of order
  frames.push_back(s.ClientAt(0, "hello "));      // fills the hole
  frames.push_back(s.ClientAt(6, "WORLD-evil"));  // overlaps: "WORLD" ignored, "-evil" new
  s.AdvanceClient(16);
  frames.push_back(s.ServerAck());
  frames.push_back(s.ClientFin());
  const Collector c = Scan(frames,
                           "alert tcp any any -> any any (msg:\"a\"; content:\"hello world-evil\"; "
                           "sid:1;)\nalert tcp any any -> any any (msg:\"b\"; "
                           "content:\"WORLD\"; sid:2;)\n");
  EXPECT_EQ(c.Count(1), 1);
  EXPECT_EQ(c.Count(2), 0);
}

TEST(ScannerTest, HttpBuffersAlertOncePerTransaction) {
  TcpSession s(Endpoints{});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData("GET /dl/%61pp.exe HTTP/1.1\r\nHost: Bad.Example:80\r\n"));
  frames.push_back(s.ClientData("User-Agent: EvilBot/1.0\r\n\r\n"));
  frames.push_back(s.ServerData("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nMZ"));
  frames.push_back(s.ServerData("\x90\x90payl"));
  frames.push_back(s.ClientAck());
  frames.push_back(s.ClientFin());
  frames.push_back(s.ServerFin());
  const Collector c =
      Scan(frames,
           "alert http any any -> any any (msg:\"uri\"; flow:to_server; http.uri; "
           "content:\"/dl/app.exe\"; http.host; content:\"bad.example\"; sid:1;)\n"
           "alert http any any -> any any (msg:\"ua\"; http.user_agent; content:\"EvilBot\"; "
           "startswith; sid:2;)\n"
           "alert http any any -> any any (msg:\"mz\"; flow:to_client; http.stat_code; "
           "content:\"200\"; file_data; content:\"MZ\"; startswith; sid:3;)\n");
  EXPECT_EQ(c.Count(1), 1);
  EXPECT_EQ(c.Count(2), 1);
  EXPECT_EQ(c.Count(3), 1);
  ASSERT_FALSE(c.json.empty());
  const nlohmann::json& eve = c.json[0];
  EXPECT_EQ(eve["event_type"], "alert");
  EXPECT_EQ(eve["proto"], "TCP");
  EXPECT_EQ(eve["app_proto"], "http");
  EXPECT_EQ(eve["http"]["hostname"], "bad.example");
  EXPECT_EQ(eve["http"]["url"], "/dl/%61pp.exe");
  EXPECT_EQ(eve["alert"]["signature_id"], 1);
  EXPECT_EQ(eve["alert"]["action"], "allowed");
  EXPECT_TRUE(eve["community_id"].get<std::string>().starts_with("1:"));
}

// http.request_body is inspected to server only, as in Suricata (which refuses to load a
// to_client rule on it): response packets do not rescan the request body.
TEST(ScannerTest, RequestBodyIsInspectedToServerOnly) {
  TcpSession s(Endpoints{});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nsecret"));
  frames.push_back(s.ServerData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  frames.push_back(s.ClientAck());
  frames.push_back(s.ClientFin());
  frames.push_back(s.ServerFin());
  const Collector c = Scan(frames,
                           "alert http any any -> any any (msg:\"body\"; http.request_body; "
                           "content:\"secret\"; sid:1;)\n"
                           "alert http any any -> any any (msg:\"to client\"; flow:to_client; "
                           "http.request_body; content:\"secret\"; sid:2;)\n");
  ASSERT_EQ(c.Count(1), 1);
  EXPECT_EQ(c.events[0].direction, "to_server");
  EXPECT_EQ(c.Count(2), 0);
}

TEST(ScannerTest, HttpDetectedOnNonStandardPort) {
  TcpSession s(Endpoints{"10.0.0.1", "10.0.0.2", 50000, 8081});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
  const Collector c = Scan(
      frames, "alert http any any -> any any (msg:\"m\"; http.method; content:\"GET\"; sid:1;)\n");
  EXPECT_EQ(c.Count(1), 1);
}

std::string DnsQuery(std::string_view name) {
  std::string m = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot - start);
    m.push_back(static_cast<char>(label.size()));
    m.append(label);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  m.append({0, 0, 1, 0, 1});
  return m;
}

TEST(ScannerTest, DnsQueryOverUdpAndTcp) {
  Endpoints udp{"192.168.1.10", "192.168.1.1", 5353, 53};
  std::vector<Bytes> frames = {testing::EthUdp(udp, DnsQuery("evil.example.net"))};
  TcpSession s(Endpoints{"192.168.1.10", "192.168.1.1", 40001, 53});
  frames = Concat(frames, s.Handshake());
  const std::string q = DnsQuery("tcp.example.net");
  std::string framed = {0, static_cast<char>(q.size())};
  framed += q;
  frames.push_back(s.ClientData(framed));
  const Collector c = Scan(frames,
                           "alert dns any any -> any any (msg:\"q\"; dns.query; "
                           "content:\"example.net\"; endswith; sid:1;)\n");
  ASSERT_EQ(c.Count(1), 2);
  EXPECT_EQ(c.json[0]["proto"], "UDP");
  EXPECT_EQ(c.json[0]["dns"]["query"][0]["rrname"], "evil.example.net");
}

// DNS queries on the wire become Sigma dns_query host events (one per query, none for the
// response), joined to the flow by community_id.
class DnsEvents : public AppRecordObserver {
 public:
  void OnDnsMessage(const Flow& flow, int direction, const DnsMessage& message) override {
    ++messages;
    agent::Event event;
    std::string scratch;
    if (!DnsQueryToEvent(flow, message, flow.last_usec, &event, &scratch)) return;
    EXPECT_EQ(direction, kToServer);
    EXPECT_EQ(event.source().category, "dns_query");
    names.emplace_back(event.Get(agent::FieldId::kQueryName));
    sources.emplace_back(event.Get(agent::FieldId::kSourceIp));
    community_ids.emplace_back(event.Get(agent::FieldId::kCommunityId));
  }
  int messages = 0;
  std::vector<std::string> names, sources, community_ids;
};

TEST(ScannerTest, DnsQueriesBecomeHostEvents) {
  Endpoints query{"192.168.1.10", "192.168.1.1", 5353, 53};
  Endpoints reply{"192.168.1.1", "192.168.1.10", 53, 5353};
  std::string response = DnsQuery("evil.example.net");
  response[2] = static_cast<char>(0x81);  // QR: a response (no answers: still not a query)
  const std::string path = testing::TempPath("dns-events.pcap");
  testing::WritePcap(path, {testing::EthUdp(query, DnsQuery("evil.example.net")),
                            testing::EthUdp(reply, response)});
  detect::LoadOptions load;
  load.rule_texts = {{"none.rules", ""}};
  auto loaded = detect::LoadRules(load);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  Collector alerts;
  DnsEvents events;
  NetworkScanner scanner({}, loaded->rules, &alerts);
  scanner.SetAppRecordObserver(&events);
  uint64_t cnt = 0;
  ASSERT_TRUE(ScanPcapFile(path, scanner, &cnt).ok());
  scanner.Finish();
  EXPECT_EQ(events.messages, 2);
  ASSERT_EQ(events.names.size(), 1u);
  EXPECT_EQ(events.names[0], "evil.example.net");
  EXPECT_EQ(events.sources[0], "192.168.1.10");
  EXPECT_EQ(events.community_ids[0].rfind("1:", 0), 0u);
}

TEST(ScannerTest, TlsSni) {
  const std::string record = testing::TlsClientHelloRecord("c2.example.com");
  TcpSession s(Endpoints{"10.0.0.1", "10.0.0.2", 50000, 443});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData(record.substr(0, 20)));
  frames.push_back(s.ClientData(record.substr(20)));
  const Collector c =
      Scan(frames,
           "alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\"c2.example\"; sid:1;)\n");
  ASSERT_EQ(c.Count(1), 1);
  EXPECT_EQ(c.json[0]["tls"]["sni"], "c2.example.com");
  // JA3 is built from the kept ClientHello only when the alert reports it: version, the one
  // cipher, the one extension (server_name), no groups, no point formats.
  EXPECT_EQ(c.json[0]["tls"]["ja3"]["string"], "771,4865,0,,");
  EXPECT_EQ(c.json[0]["tls"]["ja3"]["hash"], "1e7c622032b0cb79401b0f7be3793a1a");  // md5sum
}

TEST(ScannerTest, FragmentedDatagramIsReassembledBeforeMatching) {
  Endpoints e{"10.0.0.5", "10.0.0.6", 7000, 9999};
  auto frags = testing::Ipv4Fragments(
      e, kProtoUdp, testing::Udp(e, std::string(40, 'a') + "SECRET" + std::string(40, 'b')), 24,
      42);
  std::reverse(frags.begin(), frags.end());
  const Collector c =
      Scan(frags, "alert udp any any -> any any (msg:\"f\"; content:\"SECRET\"; sid:1;)\n");
  EXPECT_EQ(c.Count(1), 1);
}

TEST(ScannerTest, EstablishedNeedsHandshakeUnlessMidstream) {
  TcpSession s(Endpoints{});
  std::vector<Bytes> frames = {s.ClientData("no handshake here"), s.ServerAck(),
                               s.ClientData("more")};
  const std::string rules =
      "alert tcp any any -> any any (msg:\"est\"; flow:established; content:\"handshake\"; "
      "sid:1;)\nalert tcp any any -> any any (msg:\"new\"; flow:not_established; "
      "content:\"handshake\"; sid:2;)\n";
  const Collector plain = Scan(frames, rules);
  EXPECT_EQ(plain.Count(1), 0);
  EXPECT_EQ(plain.Count(2), 1);
  ScannerConfig midstream;
  midstream.flows.midstream = true;
  const Collector picked = Scan(frames, rules, midstream);
  EXPECT_EQ(picked.Count(1), 1);
  EXPECT_EQ(picked.Count(2), 0);
}

// Packets of a flow whose handshake was not captured skip the handshake's state machine while
// midstream pickup is off; a SYN on that flow later (the capture started mid-session, then
// the ports were reused) must still reach it and start a tracked session.
TEST(ScannerTest, HandshakeAfterUntrackedPacketsIsTracked) {
  TcpSession before(Endpoints{});
  TcpSession after(Endpoints{}, 90000, 95000);
  std::vector<Bytes> frames = {before.ClientData("no handshake here"), before.ServerAck()};
  for (Bytes& frame : after.Handshake()) frames.push_back(std::move(frame));
  frames.push_back(after.ClientData("handshake now"));
  frames.push_back(after.ServerAck());
  frames.push_back(after.ClientData("more"));
  const std::string rules =
      "alert tcp any any -> any any (msg:\"est\"; flow:established; content:\"handshake\"; "
      "sid:1;)\nalert tcp any any -> any any (msg:\"new\"; flow:not_established; "
      "content:\"handshake\"; sid:2;)\n";
  const Collector c = Scan(frames, rules);
  EXPECT_EQ(c.Count(1), 1);
  EXPECT_EQ(c.Count(2), 1);
}

TEST(ScannerTest, TcpFastOpenDataOnSyn) {
  const Endpoints e;
  const std::vector<Bytes> frames = {testing::EthTcp(
      e, 100, 0, kTcpSyn, "GET /tfo HTTP/1.1\r\nHost: x\r\n\r\n", testing::TcpFastOpenOption())};
  const Collector c = Scan(
      frames, "alert http any any -> any any (msg:\"t\"; http.uri; content:\"/tfo\"; sid:1;)\n");
  ASSERT_EQ(c.Count(1), 1);
  EXPECT_EQ(c.events[0].pcap_cnt, 1u);
}

// Without the Fast Open option, data on a SYN is not stream data (Suricata): payload rules see
// it as this packet's payload and the application layer never sees it.
TEST(ScannerTest, SynDataWithoutFastOpenIsPacketPayloadOnly) {
  const Endpoints e;
  const std::vector<Bytes> frames = {
      testing::EthTcp(e, 100, 0, kTcpSyn, "GET /syn HTTP/1.1\r\nHost: x\r\n\r\n")};
  const Collector c = Scan(frames,
                           "alert tcp any any -> any any (msg:\"p\"; content:\"/syn\"; sid:1;)\n"
                           "alert http any any -> any any (msg:\"u\"; http.uri; content:\"/syn\"; "
                           "sid:2;)\n");
  ASSERT_EQ(c.Count(1), 1);
  EXPECT_EQ(c.events[0].pcap_cnt, 1u);
  EXPECT_EQ(c.events[0].in_stream, false);
  EXPECT_EQ(c.Count(2), 0);
}

TEST(ScannerTest, MalformedPacketsAreCountedNotFatal) {
  std::vector<Bytes> frames = {Bytes(5, 0xff), testing::Ethernet(Bytes(10, 0x45), 0x0800),
                               testing::EthUdp(Endpoints{}, "ok")};
  const std::string path = testing::TempPath("bad.pcap");
  testing::WritePcap(path, frames);
  detect::LoadOptions load;
  load.rule_texts = {{"t", "alert udp any any -> any any (msg:\"ok\"; content:\"ok\"; sid:1;)"}};
  auto loaded = detect::LoadRules(load);
  ASSERT_TRUE(loaded.ok());
  Collector c;
  NetworkScanner scanner({}, loaded->rules, &c);
  uint64_t cnt = 0;
  ASSERT_TRUE(ScanPcapFile(path, scanner, &cnt).ok());
  scanner.Finish();
  EXPECT_EQ(c.Count(1), 1);
  EXPECT_EQ(scanner.stats().decode_errors, 2u);
  EXPECT_EQ(scanner.decode_stats().by_reason[static_cast<size_t>(DecodeError::kTruncatedLink)], 1u);
  EXPECT_EQ(c.events[0].pcap_cnt, 3u);
  EXPECT_NE(scanner.StatsLine().find("decode_errors=2"), std::string::npos);
}

TEST(ScannerTest, FlowTableCapEvictsAndCounts) {
  std::vector<Bytes> frames;
  for (int i = 0; i < 50; ++i) {
    frames.push_back(testing::EthUdp(
        Endpoints{"10.0.0.1", "10.0.0.2", static_cast<uint16_t>(1000 + i), 9}, "x"));
  }
  const std::string path = testing::TempPath("many.pcap");
  testing::WritePcap(path, frames);
  detect::LoadOptions load;
  load.rule_texts = {{"t", "alert udp any any -> any any (msg:\"x\"; content:\"zz\"; sid:1;)"}};
  auto loaded = detect::LoadRules(load);
  ASSERT_TRUE(loaded.ok());
  ScannerConfig config;
  config.flows.table.max_flows = 10;
  NetworkScanner scanner(config, loaded->rules, nullptr);
  uint64_t cnt = 0;
  ASSERT_TRUE(ScanPcapFile(path, scanner, &cnt).ok());
  EXPECT_EQ(scanner.flow_table_stats().created, 50u);
  EXPECT_EQ(scanner.flow_table_stats().evicted, 40u);
  EXPECT_LE(scanner.flow_table_stats().active, 10u);
}

TEST(ScannerTest, RecycledFlowStartsWithoutTheEndedFlowsDetectionState) {
  // With room for one flow, each new flow ends the previous one and takes over its storage,
  // detection state included (FlowTable keeps ended flows' shells): a flowbit the ended flow
  // set must not be seen by the next one. Fails when the recycled state is not reset.
  const Endpoints a{"10.0.0.1", "10.0.0.2", 1000, 9};
  const Endpoints b{"10.0.0.1", "10.0.0.2", 1001, 9};
  const std::vector<Bytes> frames = {testing::EthUdp(a, "set"), testing::EthUdp(a, "check"),
                                     testing::EthUdp(b, "check")};
  ScannerConfig config;
  config.flows.table.max_flows = 1;
  const std::string rules =
      "alert udp any any -> any any (msg:\"set\"; content:\"set\"; flowbits:set,seen; "
      "flowbits:noalert; sid:1;)\n"
      "alert udp any any -> any any (msg:\"check\"; content:\"check\"; flowbits:isset,seen; "
      "sid:2;)\n";
  const Collector c = Scan(frames, rules, config);
  EXPECT_EQ(c.SidsAt(2), std::vector<uint32_t>{2});
  EXPECT_TRUE(c.SidsAt(3).empty());
}

TEST(AlertConvertTest, NetworkEvidence) {
  AlertEvent e;
  e.ts_usec = 1'700'000'000'123'456;
  e.src_ip = "10.0.0.1";
  e.dest_ip = "10.0.0.2";
  e.has_ports = true;
  e.src_port = 1234;
  e.dest_port = 80;
  e.proto = "TCP";
  e.app_proto = "http";
  e.community_id = "1:abc=";
  e.flow_id = 77;
  e.gid = 1;
  e.sid = 2000001;
  e.rev = 3;
  e.signature = "ET TROJAN test";
  e.severity = 1;
  e.http = HttpEventInfo{.hostname = "h", .url = "/u", .method = "GET", .status = 200};
  const otasuke::v1::Alert a = ToOtasukeAlert(e);
  EXPECT_EQ(a.rule().engine(), otasuke::v1::ENGINE_SURICATA);
  EXPECT_EQ(a.rule().rule_id(), "1:2000001");
  EXPECT_EQ(a.rule().revision(), 3u);
  EXPECT_EQ(a.severity(), otasuke::v1::SEVERITY_HIGH);
  EXPECT_EQ(a.title(), "ET TROJAN test");
  EXPECT_EQ(a.event_time().seconds(), 1'700'000'000);
  EXPECT_EQ(a.network().community_id(), "1:abc=");
  EXPECT_EQ(a.network().dest_port(), 80u);
  EXPECT_EQ(a.network().http().uri(), "/u");
  EXPECT_FALSE(a.explanation().ja().empty());
  EXPECT_FALSE(a.next_step().en().empty());
  EXPECT_EQ(SeverityOfPriority(4), otasuke::v1::SEVERITY_INFORMATIONAL);
}

class CollectSink : public agent::AlertSink {
 public:
  void Emit(otasuke::v1::Alert&& alert) override { alerts.push_back(std::move(alert)); }
  std::vector<otasuke::v1::Alert> alerts;
};

TEST(NetworkSensorTest, BadInterfaceAndUnopenedRunAreErrors) {
  detect::LoadOptions load;
  load.rule_texts = {{"t", "alert ip any any -> any any (msg:\"x\"; sid:1;)"}};
  auto loaded = detect::LoadRules(load);
  ASSERT_TRUE(loaded.ok());
  Snapshot<detect::CompiledRules> rules(loaded->rules);
  CollectSink sink;
  NetworkSensorOptions options;
  options.capture.interface = "otasuke-no-such-if0";
  NetworkSensor sensor(options, rules, sink);
  const absl::Status opened = sensor.Open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.message().find("otasuke-no-such-if0"), absl::string_view::npos);
  std::stop_source stop;
  EXPECT_EQ(sensor.Run(stop.get_token()).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sensor.stats().packets, 0u);
}

class CountingSink : public agent::AlertSink {
 public:
  void Emit(otasuke::v1::Alert&& alert) override {
    if (alert.title() == "live needle") count.fetch_add(1);
  }
  std::atomic<int> count{0};
};

// Live capture on the loopback interface; needs CAP_NET_RAW, skipped without it.
TEST(NetworkSensorTest, LiveLoopbackCapture) {
  const int receiver = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(receiver, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(receiver, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(receiver, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  detect::LoadOptions load;
  load.rule_texts = {{"t",
                      "alert udp any any -> any any (msg:\"live needle\"; "
                      "content:\"live-needle\"; sid:1;)"}};
  auto loaded = detect::LoadRules(load);
  ASSERT_TRUE(loaded.ok());
  Snapshot<detect::CompiledRules> rules(loaded->rules);
  CountingSink sink;
  NetworkSensorOptions options;
  options.capture.interface = "lo";
  options.capture.bpf_filter = "udp and port " + std::to_string(port);
  options.capture.timeout_ms = 50;
  NetworkSensor sensor(options, rules, sink);
  const absl::Status opened = sensor.Open();
  if (!opened.ok()) {
    close(receiver);
    GTEST_SKIP() << "cannot capture on lo (needs CAP_NET_RAW): " << opened;
  }
  std::jthread runner([&](std::stop_token stop) { EXPECT_TRUE(sensor.Run(stop).ok()); });
  const int sender = socket(AF_INET, SOCK_DGRAM, 0);
  // Send until the capture has seen one (the handle may need a moment to start delivering).
  for (int i = 0; i < 100 && sink.count.load() == 0; ++i) {
    const char msg[] = "xx live-needle xx";
    sendto(sender, msg, sizeof(msg) - 1, 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  runner.request_stop();
  runner.join();
  close(sender);
  close(receiver);
  EXPECT_GE(sink.count.load(), 1);
  EXPECT_GE(sensor.stats().packets, 1u);
}

int RunCommand(std::vector<std::string> args) {
  std::vector<const char*> argv = {"scan-pcap"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return RunScanPcap(static_cast<int>(argv.size()), argv.data());
}

TEST(ScanPcapCommandTest, WritesEveAndReportsBadInput) {
  const std::string pcap = testing::TempPath("cmd.pcap");
  testing::WritePcap(pcap, {testing::EthUdp(Endpoints{}, "needle")});
  const std::string rules = testing::TempPath("cmd.rules");
  std::ofstream(rules) << "alert udp any any -> any any (msg:\"n\"; content:\"needle\"; sid:9;)\n"
                       << "alert udp any any -> any any (msg:\"bad\"; nosuchkeyword; sid:10;)\n";
  const std::string eve = testing::TempPath("cmd.eve.json");
  EXPECT_EQ(RunCommand({"--rules", rules, "--eve", eve, pcap}), 0);
  std::ifstream in(eve);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(nlohmann::json::parse(line)["alert"]["signature_id"], 9);
  EXPECT_FALSE(nlohmann::json::parse(line).contains("verdict"));
  // A suricata.yaml given as --vars brings its action-order; --eve-verdict adds the verdict.
  const std::string yaml = testing::TempPath("cmd.suricata.yaml");
  std::ofstream(yaml) << "%YAML 1.1\n---\naction-order: [alert, pass, drop, reject]\n";
  std::ofstream(rules, std::ios::app)
      << "pass udp any any -> any any (msg:\"p\"; content:\"needle\"; sid:11;)\n";
  EXPECT_EQ(RunCommand({"--rules", rules, "--vars", yaml, "--eve-verdict", "--eve", eve, pcap}), 0);
  std::ifstream verdict_in(eve);
  ASSERT_TRUE(std::getline(verdict_in, line));
  EXPECT_EQ(nlohmann::json::parse(line)["alert"]["signature_id"], 9);
  EXPECT_EQ(nlohmann::json::parse(line)["verdict"]["action"], "pass");
  EXPECT_EQ(RunCommand({"--rules", rules, "--strict", "--eve", eve, pcap}), 1);
  EXPECT_EQ(RunCommand({"--rules", rules, "--eve", eve, testing::TempPath("missing.pcap")}), 1);
  const std::string not_pcap = testing::TempPath("not.pcap");
  std::ofstream(not_pcap) << "this is not a capture file";
  EXPECT_EQ(RunCommand({"--rules", rules, "--eve", eve, not_pcap}), 1);
  EXPECT_EQ(RunCommand({"--rules", rules}), 2);
  EXPECT_EQ(RunCommand({"--no-such-flag", pcap}), 2);
}

// The help shows each flag's default, not the values this invocation parsed.
TEST(ScanPcapCommandTest, HelpShowsDefaultsNotParsedValues) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunCommand({"--stream-depth", "5", "--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(help.find("(default: 1048576)"), std::string::npos) << help;
  EXPECT_EQ(help.find("(default: 5)"), std::string::npos) << help;
  EXPECT_EQ(help.find("(default: true)"), std::string::npos) << help;
}

}  // namespace
}  // namespace otasuke::network
