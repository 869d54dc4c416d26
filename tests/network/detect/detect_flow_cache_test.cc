// What the engine keeps per flow direction to skip work: the prefilter databases whose rule
// headers the flow cannot meet are not scanned, and the alerts stay exactly those of an engine
// that scans everything.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/network/detect/detect_test_util.h"

namespace otasuke::network::detect::testing {
namespace {

struct FlowPacket {
  const char* src;
  const char* dst;
  uint16_t sport, dport;
  Direction direction;
  std::string payload;
};

PacketBuilder Build(const FlowPacket& packet) {
  PacketBuilder p;
  ParseIpAddress(packet.src, &p.in.src);
  ParseIpAddress(packet.dst, &p.in.dst);
  p.in.src_port = packet.sport;
  p.in.dst_port = packet.dport;
  p.in.direction = packet.direction;
  p.Payload(packet.payload);
  return p;
}

// Every database here has rules of a few distinct headers: port 143 only, from port 443 only,
// home to external, both ways between two hosts.
constexpr char kNarrowRules[] =
    "alert tcp any any -> any 143 (content:\"login\"; sid:1;)\n"
    "alert tcp any 443 -> any any (content:\"|16 03|\"; sid:2;)\n"
    "alert tcp $HOME_NET any -> $EXTERNAL_NET any (content:\"beacon\"; sid:3;)\n"
    "alert tcp 1.1.1.1 any <> 2.2.2.2 any (content:\"both\"; sid:4;)\n"
    "alert tcp any any -> any 143 (dsize:>100; content:\"long\"; sid:5;)\n";

TEST(DatabaseReachTest, FlowsNoRuleHeaderMeetsScanNothing) {
  auto rules = LoadText(kNarrowRules);
  ASSERT_NE(rules, nullptr);
  DetectEngine engine(rules);
  FlowDetectStatePtr flow = NewFlowDetectState();
  // 8.8.8.8:5000 -> 9.9.9.9:80 meets none of the headers: no scan, on any packet.
  for (int i = 0; i < 3; ++i) {
    PacketBuilder p = Build(
        {"8.8.8.8", "9.9.9.9", 5000, 80, Direction::kToServer, "login beacon both |16 03| long"});
    p.in.flow_state = flow.get();
    EXPECT_TRUE(InspectSids(engine, p.in).empty());
  }
  EXPECT_EQ(engine.stats().prefilter_scans, 0u);
}

TEST(DatabaseReachTest, FlowsSomeRuleHeaderMeetsAreScanned) {
  auto rules = LoadText(kNarrowRules);
  ASSERT_NE(rules, nullptr);
  DetectEngine engine(rules);
  const std::string long_login = "login " + std::string(120, 'x') + " long";
  struct Case {
    FlowPacket packet;
    std::vector<uint32_t> sids;
  };
  const Case cases[] = {
      {{"8.8.8.8", "9.9.9.9", 5000, 143, Direction::kToServer, "a login"}, {1}},
      {{"8.8.8.8", "9.9.9.9", 5000, 143, Direction::kToServer, long_login}, {1, 5}},
      {{"9.9.9.9", "8.8.8.8", 443, 5000, Direction::kToClient, "\x16\x03\x01"}, {2}},
      {{"10.0.0.1", "9.9.9.9", 5000, 80, Direction::kToServer, "beacon"}, {3}},
      {{"2.2.2.2", "1.1.1.1", 80, 5000, Direction::kToClient, "both"}, {4}},
      {{"1.1.1.1", "2.2.2.2", 5000, 80, Direction::kToServer, "both"}, {4}},
  };
  for (const Case& c : cases) {
    FlowDetectStatePtr flow = NewFlowDetectState();
    PacketBuilder p = Build(c.packet);
    p.in.flow_state = flow.get();
    const uint64_t scans_before = engine.stats().prefilter_scans;
    EXPECT_EQ(InspectSids(engine, p.in), c.sids) << c.packet.src << " -> " << c.packet.dst;
    EXPECT_GT(engine.stats().prefilter_scans, scans_before) << c.packet.src;
  }
}

// The same packets through an engine with flow state and through one without (which scans
// every database): the same alerts, with either prefilter.
TEST(DatabaseReachTest, AlertsEqualThoseOfAFullScan) {
  for (PrefilterKind kind : {PrefilterKind::kAhoCorasick, PrefilterKind::kDefault}) {
    auto rules = LoadText(std::string(kNarrowRules) +
                              "alert tcp any any -> any any (content:\"any\"; sid:6;)\n"
                              "alert http any any -> any any (http.uri; content:\"/a\"; sid:7;)\n",
                          kind);
    ASSERT_NE(rules, nullptr);
    DetectEngine cached(rules);
    DetectEngine fresh(rules);
    FlowDetectStatePtr flow = NewFlowDetectState();
    const FlowPacket packets[] = {
        {"10.0.0.1", "9.9.9.9", 5000, 143, Direction::kToServer, "login beacon any"},
        {"9.9.9.9", "10.0.0.1", 143, 5000, Direction::kToClient, "login beacon any"},
        {"10.0.0.1", "9.9.9.9", 5000, 143, Direction::kToServer, "both login"},
        {"8.8.8.8", "9.9.9.9", 443, 80, Direction::kToServer, "\x16\x03 any"},
    };
    uint64_t tx_id = 0;
    for (const FlowPacket& packet : packets) {
      PacketBuilder p = Build(packet);
      p.Buffer(BufferId::kHttpUri, "/a");
      p.in.app_proto = AppProto::kHttp;
      p.in.tx_id = ++tx_id;  // app-layer rules alert once per transaction of a flow
      const std::vector<uint32_t> expected = InspectSids(fresh, p.in);
      p.in.flow_state = flow.get();
      EXPECT_EQ(InspectSids(cached, p.in), expected) << packet.src << " -> " << packet.dst;
    }
  }
}

}  // namespace
}  // namespace otasuke::network::detect::testing
