// TLS encryption handling (Suricata's app-layer.protocols.tls.encryption-handling) end to end:
// a pcap the test writes with a TLS handshake, then application data records carrying a
// content a payload rule looks for, scanned with real rules in each mode; and the TLS parser's
// trigger on its own (application data in either direction, TLS 1.3 early data).

#include <string>
#include <vector>

#include "agent/network/packet/flow_tracker.h"
#include "agent/network/packet/tls.h"
#include "agent/network/scan/scan_pcap_command.h"
#include "gtest/gtest.h"
#include "tests/network/packet/packet_builder.h"
#include "tests/network/packet/scan_test_util.h"

namespace otasuke::network {
namespace {

using testing::Bytes;
using testing::Collector;
using testing::Endpoints;
using testing::TlsRecord;

constexpr char kRules[] =
    "alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\"c2.example\"; sid:1;)\n"
    "alert tcp any any -> any any (msg:\"secret\"; flow:established,to_server; "
    "content:\"SECRET-COMMAND\"; sid:2;)\n"
    "alert tcp any any -> any 443 (msg:\"to server\"; flow:to_server; sid:3;)\n";

Collector ScanWith(TlsEncryptionHandling mode) {
  ScannerConfig config;
  config.flows.tls_encryption = mode;
  return testing::Scan(testing::TlsSessionWithApplicationData("c2.example.com", "SECRET-COMMAND"),
                       kRules, config);
}

TEST(TlsEncryptionTest, DefaultStopsPayloadInspectionButKeepsTlsRules) {
  const Collector c = ScanWith(TlsEncryptionHandling::kDefault);
  EXPECT_EQ(c.Count(1), 1);  // tls.sni: the ClientHello came before the encrypted data
  EXPECT_EQ(c.Count(2), 0);  // the encrypted records' bytes are not inspected
  // Header-only rules still see every to-server packet (8): the flow stays tracked.
  EXPECT_EQ(c.Count(3), 8);
}

TEST(TlsEncryptionTest, FullInspectsEncryptedBytes) {
  const Collector c = ScanWith(TlsEncryptionHandling::kFull);
  EXPECT_EQ(c.Count(1), 1);
  EXPECT_GE(c.Count(2), 1);
  for (const AlertEvent& e : c.events) {
    if (e.sid == 2) {
      EXPECT_TRUE(e.in_stream);
    }
  }
  EXPECT_EQ(c.Count(3), 8);
}

TEST(TlsEncryptionTest, BypassStopsInspectingTheFlow) {
  const Collector c = ScanWith(TlsEncryptionHandling::kBypass);
  EXPECT_EQ(c.Count(1), 1);
  EXPECT_EQ(c.Count(2), 0);
  // The to-server packets after the first application data record (the second record, the ACK
  // of the reply and the FIN) are not inspected at all: 5 of 8.
  EXPECT_EQ(c.Count(3), 5);
}

TEST(TlsEncryptionTest, ModesParseAndBadValuesAreRefused) {
  EXPECT_EQ(*ParseTlsEncryptionHandling("default"), TlsEncryptionHandling::kDefault);
  EXPECT_EQ(*ParseTlsEncryptionHandling("full"), TlsEncryptionHandling::kFull);
  EXPECT_EQ(*ParseTlsEncryptionHandling("bypass"), TlsEncryptionHandling::kBypass);
  const auto bad = ParseTlsEncryptionHandling("Full");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expected default, full or bypass, got 'Full'"),
            std::string::npos);
  const char* const argv[] = {"scan-pcap", "--tls-encryption-handling", "none", "x.pcap"};
  EXPECT_EQ(RunScanPcap(4, argv), 2);
}

bool Feed(TlsParser& parser, int direction, const std::string& bytes) {
  return parser.Feed(direction, reinterpret_cast<const uint8_t*>(bytes.data()),
                     static_cast<uint32_t>(bytes.size()));
}

TEST(TlsEncryptionTest, ParserMarksEncryptedAtTheFirstApplicationDataRecord) {
  TlsParser parser;
  EXPECT_TRUE(Feed(parser, 0, testing::TlsClientHelloRecord("a.example")));
  const std::string server = testing::TlsServerHelloRecord() + TlsRecord(22, std::string(40, 'c'));
  // The server's flight one byte at a time: record bodies are passed over, not buffered.
  for (char ch : server) Feed(parser, 1, std::string(1, ch));
  EXPECT_FALSE(parser.encrypted());
  EXPECT_EQ(parser.server_version(), 0x0303);
  Feed(parser, 0, TlsRecord(20, "\x01") + TlsRecord(22, std::string(16, 'f')));
  EXPECT_FALSE(parser.encrypted());
  Feed(parser, 1, TlsRecord(23, "enc").substr(0, 5));  // the header is enough
  EXPECT_TRUE(parser.encrypted());
  EXPECT_EQ(parser.client_hello().sni, "a.example");
  EXPECT_EQ(parser.memory(), parser.client_hello().body.capacity());
}

TEST(TlsEncryptionTest, EarlyDataBeforeTheServerHelloIsNotTheEncryptedSession) {
  TlsParser parser;
  Feed(parser, 0, testing::TlsClientHelloRecord("a.example", /*early_data=*/true));
  ASSERT_TRUE(parser.client_hello().early_data);
  Feed(parser, 0, TlsRecord(23, "0-RTT data"));
  EXPECT_FALSE(parser.encrypted());
  Feed(parser, 1, testing::TlsServerHelloRecord());
  Feed(parser, 0, TlsRecord(23, "after the ServerHello"));
  EXPECT_TRUE(parser.encrypted());
  // Without early data offered, client application data is the trigger at once.
  TlsParser plain;
  Feed(plain, 0, testing::TlsClientHelloRecord("a.example") + TlsRecord(23, "data"));
  EXPECT_TRUE(plain.encrypted());
}

}  // namespace
}  // namespace otasuke::network
