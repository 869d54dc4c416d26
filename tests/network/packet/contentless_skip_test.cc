// Packets with no payload, stream data or transaction are not inspected once the engine says
// their flow direction can match nothing without content
// (DetectEngine::ContentlessInspectionCanMatch). These tests check both halves on crafted
// captures through a real scanner: the skip happens (ScannerStats::contentless_skipped), and
// every rule that can alert on such a packet still does — header-only rules, a rule of the
// app-layer group once the app protocol is known, flowbits and threshold state, IP-only rules,
// and a rule set switched to while the flow is open.

#include <memory>
#include <string>
#include <vector>

#include "agent/network/detect/engine.h"
#include "agent/network/scan/network_scanner.h"
#include "agent/network/scan/pcap_scan.h"
#include "gtest/gtest.h"
#include "tests/network/packet/packet_builder.h"
#include "tests/network/packet/scan_test_util.h"

namespace otasuke::network {
namespace {

using testing::Bytes;
using testing::Collector;
using testing::Endpoints;
using testing::TcpSession;

std::shared_ptr<const detect::CompiledRules> Load(const std::string& rules) {
  detect::LoadOptions load;
  load.rule_texts = {{"test.rules", rules}};
  auto loaded = detect::LoadRules(load);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok()) return nullptr;
  EXPECT_EQ(loaded->report.skipped, 0u) << loaded->report.Summary();
  return loaded->rules;
}

// Feeds `frames` (written to a pcap starting at `start_sec`) to `scanner`.
void Feed(NetworkScanner& scanner, const std::vector<Bytes>& frames, int64_t start_sec,
          uint64_t* pcap_cnt) {
  const std::string path = testing::TempPath("contentless.pcap");
  testing::WritePcap(path, frames, 1, start_sec);
  EXPECT_TRUE(ScanPcapFile(path, scanner, pcap_cnt).ok());
}

struct Result {
  Collector alerts;
  ScannerStats stats;
};

Result ScanCounting(const std::vector<Bytes>& frames, const std::string& rules) {
  Result result;
  auto compiled = Load(rules);
  if (compiled == nullptr) return result;
  NetworkScanner scanner({}, compiled, &result.alerts);
  uint64_t cnt = 0;
  Feed(scanner, frames, 1700000000, &cnt);
  scanner.Finish();
  result.stats = scanner.stats();
  return result;
}

// Handshake, a request, and empty packets both ways: 5 empty to-server packets (ACK of the
// handshake, two ACKs, FIN, last ACK) and 3 empty to-client ones (two ACKs, FIN) after the
// SYN / SYN-ACK.
std::vector<Bytes> QuietSession(Endpoints e = {}) {
  TcpSession s(e);
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData("hello there"));
  frames.push_back(s.ServerAck());
  frames.push_back(s.ClientAck());
  frames.push_back(s.ServerAck());
  frames.push_back(s.ClientAck());
  frames.push_back(s.ClientFin());
  frames.push_back(s.ServerFin());
  frames.push_back(s.ClientAck());
  return frames;
}

constexpr char kContentRule[] =
    "alert tcp any any -> any any (msg:\"content\"; content:\"hello\"; sid:1;)\n";

TEST(ContentlessSkipTest, EmptyPacketsOfADirectionNoRuleCanMatchAreNotInspected) {
  const Result r = ScanCounting(QuietSession(), kContentRule);
  EXPECT_EQ(r.alerts.Count(1), 1);
  // Each direction's first packet is inspected (IP-only rules, the patternless lookup); every
  // later empty packet is skipped: 4 to server (the SYN is inspected) and 3 to client.
  EXPECT_EQ(r.stats.contentless_skipped, 7u);
  EXPECT_EQ(r.stats.inspections + r.stats.contentless_skipped, r.stats.packets);
}

TEST(ContentlessSkipTest, HeaderOnlyRuleAlertsOnEveryEmptyPacketItMeets) {
  // Patternless, to server only: the to-server direction is always inspected, the to-client
  // direction can still be skipped.
  const Result r =
      ScanCounting(QuietSession(), std::string(kContentRule) +
                                       "alert tcp any any -> any 80 (msg:\"empty ack\"; "
                                       "flow:to_server; flags:A; dsize:0; sid:2;)\n");
  EXPECT_EQ(r.alerts.Count(1), 1);
  EXPECT_EQ(r.alerts.Count(2), 4);  // the handshake's ACK, two ACKs, the last ACK (not the FIN)
  EXPECT_EQ(r.stats.contentless_skipped, 3u);
}

TEST(ContentlessSkipTest, AppLayerGroupRuleAlertsOnceTheProtocolIsKnown) {
  // Before the request the flow's app protocol is unknown and neither direction can match
  // anything without content; once it is HTTP, the HTTP group's header-only rules meet them. The
  // server's first ACK after the request comes before any content of its direction was
  // inspected under HTTP: only the changed app protocol tells the engine to look again.
  TcpSession s(Endpoints{});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  frames.push_back(s.ServerAck());
  frames.push_back(s.ServerData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  frames.push_back(s.ClientAck());
  frames.push_back(s.ClientFin());
  frames.push_back(s.ServerFin());
  frames.push_back(s.ClientAck());
  const Result r =
      ScanCounting(frames,
                   "alert http any any -> any any (msg:\"http empty\"; flow:to_server; "
                   "flags:A+; dsize:0; sid:3;)\n"
                   "alert http any any -> any any (msg:\"http empty back\"; flow:to_client; "
                   "flags:A; dsize:0; sid:9;)\n");
  EXPECT_EQ(r.alerts.Count(3), 3);  // ACK, FIN-ACK, last ACK; not the handshake's ACK
  EXPECT_EQ(r.alerts.SidsAt(5), std::vector<uint32_t>{9});  // the server's ACK of the request
  EXPECT_EQ(r.alerts.Count(9), 1);
  for (const auto& event : r.alerts.events) EXPECT_EQ(event.app_proto, "http");
  EXPECT_GE(r.stats.contentless_skipped, 1u);  // to client
}

TEST(ContentlessSkipTest, FlowbitsAndThresholdStateKeepTheDirectionInspected) {
  // The patternless rule depends on a flowbit a content rule sets on the data packet; its
  // threshold lets the first two matches through.
  const Result r =
      ScanCounting(QuietSession(),
                   "alert tcp any any -> any any (msg:\"login\"; content:\"hello\"; "
                   "flowbits:set,seen; flowbits:noalert; sid:1;)\n"
                   "alert tcp any any -> any any (msg:\"after login\"; flow:to_server; flags:A+; "
                   "flowbits:isset,seen; threshold:type limit, track by_src, count 2, seconds 60; "
                   "sid:4;)\n"
                   "alert tcp any any -> any any (msg:\"every empty after login\"; flow:to_server; "
                   "dsize:0; flowbits:isset,seen; sid:5;)\n");
  EXPECT_EQ(r.alerts.Count(1), 0);
  EXPECT_EQ(r.alerts.Count(4), 2);
  EXPECT_EQ(r.alerts.Count(5), 4);             // two ACKs, FIN, last ACK after the data packet
  EXPECT_EQ(r.stats.contentless_skipped, 3u);  // the to-client direction only
}

TEST(ContentlessSkipTest, IpOnlyRuleAlertsOnceThenTheDirectionIsSkipped) {
  const Result r = ScanCounting(
      QuietSession(), std::string(kContentRule) +
                          "alert ip 10.0.0.1 any -> any any (msg:\"ip only\"; sid:6;)\n"
                          "alert ip 10.0.0.2 any -> any any (msg:\"ip only back\"; sid:7;)\n");
  EXPECT_EQ(r.alerts.Count(1), 1);
  ASSERT_EQ(r.alerts.Count(6), 1);
  ASSERT_EQ(r.alerts.Count(7), 1);
  EXPECT_EQ(r.alerts.SidsAt(1), std::vector<uint32_t>{6});  // the SYN
  EXPECT_EQ(r.alerts.SidsAt(2), std::vector<uint32_t>{7});  // the SYN-ACK
  EXPECT_EQ(r.stats.contentless_skipped, 7u);
}

TEST(ContentlessSkipTest, RuleSetSwitchedToWhileTheFlowIsOpenIsInspected) {
  // The first half of the session runs under rules that cannot match its empty packets; the
  // new rule set has a header-only rule that can, and must see the rest of the same flow.
  TcpSession s(Endpoints{});
  std::vector<Bytes> first = s.Handshake();
  first.push_back(s.ClientData("hello"));
  first.push_back(s.ServerAck());
  first.push_back(s.ClientAck());
  std::vector<Bytes> second;
  second.push_back(s.ClientAck());
  second.push_back(s.ServerAck());
  second.push_back(s.ClientAck());

  Collector alerts;
  NetworkScanner scanner({}, Load(kContentRule), &alerts);
  uint64_t cnt = 0;
  Feed(scanner, first, 1700000000, &cnt);
  // The handshake's last ACK and the server's ACK of the data.
  EXPECT_EQ(scanner.stats().contentless_skipped, 2u);
  scanner.SetRules(
      Load("alert tcp any any -> any 80 (msg:\"empty\"; flow:to_server; "
           "flags:A; dsize:0; sid:8;)\n"));
  Feed(scanner, second, 1700000001, &cnt);
  scanner.Finish();
  EXPECT_EQ(alerts.Count(1), 1);
  EXPECT_EQ(alerts.Count(8), 2);
  EXPECT_EQ(scanner.flow_table_stats().created, 1u);  // one flow throughout
}

// Encrypted TLS records (encryption handling `default`) are not inspected as payload: once a
// direction is encrypted and nothing without content meets it, its packets are skipped like
// empty ones, while a dsize rule of the TLS group keeps seeing every record.
TEST(ContentlessSkipTest, EncryptedTlsRecordsAreSkippedUnlessAPatternlessRuleMeetsThem) {
  const std::vector<Bytes> frames =
      testing::TlsSessionWithApplicationData("c2.example.com", "SECRET-COMMAND");
  constexpr char kTlsRules[] =
      "alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\"c2.example\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"secret\"; content:\"SECRET-COMMAND\"; sid:2;)\n";
  const Result quiet = ScanCounting(frames, kTlsRules);
  EXPECT_EQ(quiet.alerts.Count(1), 1);
  EXPECT_EQ(quiet.alerts.Count(2), 0);
  const Result sized =
      ScanCounting(frames, std::string(kTlsRules) +
                               "alert tls any any -> any any (msg:\"record\"; flow:to_server; "
                               "dsize:>0; sid:3;)\n");
  EXPECT_EQ(sized.alerts.Count(1), 1);
  // The ClientHello, the ChangeCipherSpec and both application data records.
  EXPECT_EQ(sized.alerts.Count(3), 4);
  // Skipped: the handshake's ACK, then every packet from the first one after the flow turned
  // encrypted (the client's first application data record, which also carried the stream
  // chunk of its ChangeCipherSpec), both encrypted records included: 7 of 14.
  EXPECT_EQ(quiet.stats.contentless_skipped, 7u);
  EXPECT_EQ(quiet.stats.inspections + quiet.stats.contentless_skipped, quiet.stats.packets);
  // With the dsize rule only the to-client direction and the handshake's ACK are skipped.
  EXPECT_EQ(sized.stats.contentless_skipped, 4u);
}

}  // namespace
}  // namespace otasuke::network
