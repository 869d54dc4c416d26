// Header, flow and state keywords on hand-built Inspections: addresses/ports/vars, direction,
// flow, flags, ttl, dsize, itype/icode, flowbits, threshold, detection_filter, noalert, pass,
// actions and alert fields.
#include <string>

#include "agent/network/detect/flow_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/network/detect/detect_test_util.h"

namespace otasuke::network::detect::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(HeaderTest, AddressesPortsAndVars) {
  PacketBuilder p;  // 10.0.0.1:1234 -> 192.168.1.1:80
  EXPECT_THAT(Sids("alert tcp $HOME_NET any -> $HOME_NET $HTTP_PORTS (sid:1;)\n"
                   "alert tcp $EXTERNAL_NET any -> $HOME_NET any (sid:2;)\n"
                   "alert tcp 10.0.0.0/24 1000:2000 -> [192.168.1.0/24,!192.168.1.2] 80 (sid:3;)\n"
                   "alert tcp any any -> any !80 (sid:4;)\n"
                   "alert tcp any any -> ![192.168.0.0/16] any (sid:5;)\n"
                   "alert udp any any -> any any (sid:6;)\n"
                   "alert ip any any -> any any (sid:7;)\n"
                   "alert tcp 192.168.1.1 80 -> 10.0.0.1 1234 (sid:8;)\n"
                   "alert tcp 192.168.1.1 80 <> 10.0.0.1 1234 (sid:9;)\n"
                   "alert tcp 10.0.0.1-10.0.0.5 any -> any [:100] (sid:10;)\n",
                   p.in),
              ElementsAre(1, 3, 7, 9, 10));
}

TEST(HeaderTest, Ipv6Addresses) {
  PacketBuilder p;
  ParseIpAddress("2001:db8::1", &p.in.src);
  ParseIpAddress("2001:db8::2", &p.in.dst);
  p.in.ip_version = 6;
  EXPECT_THAT(Sids("alert tcp 2001:db8::/32 any -> any any (sid:1;)\n"
                   "alert tcp 10.0.0.0/8 any -> any any (sid:2;)\n"
                   "alert tcp !2001:db8::1 any -> any any (sid:3;)\n",
                   p.in),
              ElementsAre(1));
}

TEST(FlowTest, StateAndDirection) {
  PacketBuilder p;
  const std::string rules =
      "alert tcp any any -> any any (flow:established,to_server; sid:1;)\n"
      "alert tcp any any -> any any (flow:established,to_client; sid:2;)\n"
      "alert tcp any any -> any any (flow:not_established; sid:3;)\n"
      "alert tcp any any -> any any (flow:stateless; sid:4;)\n"
      "alert tcp any any -> any any (flow:from_client; sid:5;)\n";
  EXPECT_THAT(Sids(rules, p.in), ElementsAre(1, 4, 5));
  p.in.flow_established = false;
  EXPECT_THAT(Sids(rules, p.in), ElementsAre(3, 4, 5));
  p.in.direction = Direction::kToClient;
  p.in.flow_established = true;
  EXPECT_THAT(Sids(rules, p.in), ElementsAre(2, 4));
}

TEST(HeaderTest, FlagsTtlDsizeIcmp) {
  PacketBuilder p;
  p.Payload("12345");
  p.in.tcp_flags = kTcpSyn | kTcpEce;
  EXPECT_THAT(Sids("alert tcp any any -> any any (flags:S; sid:1;)\n"
                   "alert tcp any any -> any any (flags:S,E; sid:2;)\n"
                   "alert tcp any any -> any any (flags:+S; sid:3;)\n"
                   "alert tcp any any -> any any (flags:*SA; sid:4;)\n"
                   "alert tcp any any -> any any (flags:!A; sid:5;)\n"
                   "alert tcp any any -> any any (flags:0; sid:6;)\n"
                   "alert tcp any any -> any any (ttl:64; sid:7;)\n"
                   "alert tcp any any -> any any (ttl:<10; sid:8;)\n"
                   "alert tcp any any -> any any (dsize:5; sid:9;)\n"
                   "alert tcp any any -> any any (dsize:>5; sid:10;)\n"
                   "alert tcp any any -> any any (dsize:1<>6; sid:11;)\n",
                   p.in),
              ElementsAre(2, 3, 4, 5, 7, 9, 11));
  PacketBuilder icmp;
  icmp.in.ip_proto = 1;
  icmp.in.has_flow = false;
  icmp.in.icmp_type = 8;
  icmp.in.icmp_code = 0;
  EXPECT_THAT(Sids("alert icmp any any -> any any (itype:8; sid:1;)\n"
                   "alert icmp any any -> any any (itype:0; sid:2;)\n"
                   "alert icmp any any -> any any (itype:>5; icode:0; sid:3;)\n"
                   "alert icmp any any -> any any (icode:1; sid:4;)\n"
                   "alert tcp any any -> any any (sid:5;)\n",
                   icmp.in),
              ElementsAre(1, 3));
}

TEST(HeaderTest, StreamFlushNeverMatchesPacketKeywords) {
  PacketBuilder p;
  p.in.kind = InspectionKind::kStreamFlush;
  p.Buffer(BufferId::kStream, "hello");
  EXPECT_THAT(Sids("alert tcp any any -> any any (ttl:64; sid:1;)\n"
                   "alert tcp any any -> any any (content:\"hello\"; sid:2;)\n"
                   "alert tcp any any -> any any (content:\"hello\"; dsize:5; sid:3;)\n",
                   p.in),
              ElementsAre(2));
}

TEST(FlowbitsTest, SetIssetAcrossPacketsOfOneFlow) {
  auto rules = LoadText(
      "alert tcp any any -> any any (content:\"login\"; flowbits:set,logged; flowbits:noalert; "
      "sid:1;)\n"
      "alert tcp any any -> any any (content:\"secret\"; flowbits:isset,logged; sid:2;)\n"
      "alert tcp any any -> any any (content:\"secret\"; flowbits:isnotset,logged; sid:3;)\n"
      "alert tcp any any -> any any (content:\"logout\"; flowbits:unset,logged; sid:4;)\n"
      "alert tcp any any -> any any (content:\"flip\"; flowbits:toggle,a; noalert; sid:5;)\n"
      "alert tcp any any -> any any (content:\"flip\"; flowbits:isset,a|b; sid:6;)\n");
  DetectEngine engine(rules);
  FlowDetectStatePtr flow = NewFlowDetectState();
  auto send = [&](const std::string& payload) {
    PacketBuilder p;
    p.Payload(payload);
    p.in.flow_state = flow.get();
    return InspectSids(engine, p.in);
  };
  EXPECT_THAT(send("secret"), ElementsAre(3));
  EXPECT_THAT(send("login"), IsEmpty());  // noalert
  EXPECT_THAT(send("secret"), ElementsAre(2));
  EXPECT_THAT(send("logout"), ElementsAre(4));
  EXPECT_THAT(send("secret"), ElementsAre(3));
  // toggle runs before the isset rule of the same packet (setters are ordered first)
  EXPECT_THAT(send("flip"), ElementsAre(6));
  EXPECT_THAT(send("flip"), IsEmpty());
}

TEST(FlowbitsTest, SetAndCheckInOnePacketFollowsSuricataOrder) {
  // The isset rule comes first in the file but setters are inspected first.
  auto rules = LoadText(
      "alert tcp any any -> any any (content:\"x\"; flowbits:isset,seen; sid:2;)\n"
      "alert tcp any any -> any any (content:\"x\"; flowbits:set,seen; sid:1;)\n");
  DetectEngine engine(rules);
  FlowDetectStatePtr flow = NewFlowDetectState();
  PacketBuilder p;
  p.Payload("x");
  p.in.flow_state = flow.get();
  EXPECT_THAT(InspectSids(engine, p.in), ElementsAre(1, 2));
}

TEST(ThresholdTest, LimitThresholdBothAndDetectionFilter) {
  auto run = [](const std::string& options, int packets, int64_t step_us) {
    auto rules = LoadText("alert tcp any any -> any any (content:\"x\"; " + options + " sid:1;)\n");
    DetectEngine engine(rules);
    int alerts = 0;
    for (int i = 0; i < packets; ++i) {
      PacketBuilder p;
      p.Payload("x");
      p.in.timestamp_us = i * step_us;
      alerts += static_cast<int>(InspectSids(engine, p.in).size());
    }
    return alerts;
  };
  constexpr int64_t kSecond = 1'000'000;
  EXPECT_EQ(run("threshold:type limit, track by_src, count 2, seconds 60;", 10, kSecond), 2);
  EXPECT_EQ(run("threshold:type limit, track by_src, count 1, seconds 5;", 10, kSecond), 2);
  EXPECT_EQ(run("threshold:type threshold, track by_dst, count 3, seconds 60;", 10, kSecond), 3);
  EXPECT_EQ(run("threshold:type both, track by_rule, count 3, seconds 60;", 10, kSecond), 1);
  EXPECT_EQ(run("detection_filter:track by_src, count 4, seconds 60;", 10, kSecond), 6);
  EXPECT_EQ(run("detection_filter:track by_both, count 4, seconds 2;", 10, kSecond), 0);
}

TEST(ThresholdTest, TracksBySource) {
  auto rules = LoadText(
      "alert tcp any any -> any any (content:\"x\"; threshold:type limit, track by_src, count 1, "
      "seconds 60; sid:1;)\n");
  DetectEngine engine(rules);
  int alerts = 0;
  for (const char* source : {"10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    PacketBuilder p;
    p.Payload("x");
    ParseIpAddress(source, &p.in.src);
    alerts += static_cast<int>(InspectSids(engine, p.in).size());
  }
  EXPECT_EQ(alerts, 3);
}

TEST(ActionTest, PassSuppressesAlertsOfTheFlow) {
  auto rules = LoadText(
      "alert tcp any any -> any any (content:\"x\"; sid:1;)\n"
      "pass tcp any any -> any any (content:\"trusted\"; sid:2;)\n");
  DetectEngine engine(rules);
  FlowDetectStatePtr flow = NewFlowDetectState();
  PacketBuilder p;
  p.Payload("x trusted");
  p.Buffer(BufferId::kStream, "x trusted");  // matched in stream data: the flow is passed
  p.in.payload_in_stream = true;
  p.in.flow_state = flow.get();
  CollectingCallback callback;
  const InspectResult result = engine.Inspect(p.in, callback);
  EXPECT_TRUE(result.passed);
  EXPECT_THAT(callback.sids, IsEmpty());
  PacketBuilder later;
  later.Payload("x");
  later.in.flow_state = flow.get();
  EXPECT_THAT(InspectSids(engine, later.in), IsEmpty());
}

// As Suricata's AlertJsonHeader: a drop alert is "allowed" in IDS mode and "blocked" in IPS
// mode; a reject alert is "blocked" in both (the reset is sent either way).
TEST(ActionTest, DropIsAllowedInIdsModeRejectIsBlocked) {
  PacketBuilder p;
  p.Payload("x");
  CollectingCallback callback;
  DetectEngine engine(
      LoadText("drop tcp any any -> any any (content:\"x\"; sid:1;)\n"
               "reject tcp any any -> any any (content:\"x\"; sid:2;)\n"
               "alert tcp any any -> any any (content:\"x\"; sid:3;)\n"));
  engine.Inspect(p.in, callback);
  ASSERT_EQ(callback.alerts.size(), 3u);
  EXPECT_EQ(callback.alerts[0].rule->action, RuleAction::kDrop);
  EXPECT_EQ(callback.alerts[0].action, "allowed");
  EXPECT_EQ(callback.alerts[1].rule->action, RuleAction::kReject);
  EXPECT_EQ(callback.alerts[1].action, "blocked");
  EXPECT_EQ(callback.alerts[2].action, "allowed");

  LoadOptions options;
  options.rule_texts.emplace_back("ips.rules",
                                  "drop tcp any any -> any any (content:\"x\"; sid:1;)");
  options.ips_mode = true;
  auto loaded = LoadRules(options);
  ASSERT_TRUE(loaded.ok());
  DetectEngine ips(loaded->rules);
  CollectingCallback ips_callback;
  ips.Inspect(p.in, ips_callback);
  ASSERT_EQ(ips_callback.alerts.size(), 1u);
  EXPECT_EQ(ips_callback.alerts[0].action, "blocked");
}

TEST(AlertTest, CarriesRuleMetadata) {
  LoadOptions options;
  options.rule_texts.emplace_back(
      "meta.rules",
      "alert tcp any any -> any any (msg:\"ET TEST \\\"quoted\\\"\"; content:\"x\"; "
      "classtype:trojan-activity; reference:url,example.com/a; metadata:created_at 2024_01_01, "
      "signature_severity Major; target:dest_ip; gid:1; sid:1000; rev:7;)");
  auto loaded = LoadRules(options);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  PacketBuilder p;
  p.Payload("x");
  CollectingCallback callback;
  DetectEngine engine(loaded->rules);
  engine.Inspect(p.in, callback);
  ASSERT_EQ(callback.alerts.size(), 1u);
  const RuleInfo& info = *callback.alerts[0].rule;
  EXPECT_EQ(info.sid, 1000u);
  EXPECT_EQ(info.rev, 7u);
  EXPECT_EQ(info.gid, 1u);
  EXPECT_EQ(info.msg, "ET TEST \"quoted\"");
  EXPECT_EQ(info.classtype, "trojan-activity");
  EXPECT_EQ(info.priority, 3);
  EXPECT_EQ(info.target, AlertTarget::kDestIp);
  EXPECT_THAT(info.references, ElementsAre("url,example.com/a"));
  ASSERT_EQ(info.metadata.size(), 2u);
  EXPECT_EQ(info.metadata[1].first, "signature_severity");
  EXPECT_EQ(info.metadata[1].second, "Major");
  EXPECT_EQ(info.source_line, 1);
}

TEST(AppLayerTest, AlertsOncePerTransaction) {
  auto rules = LoadText("alert http any any -> any any (http.uri; content:\"/x\"; sid:1;)\n");
  DetectEngine engine(rules);
  FlowDetectStatePtr flow = NewFlowDetectState();
  auto inspect = [&](uint64_t tx) {
    PacketBuilder p;
    p.in.app_proto = AppProto::kHttp;
    p.in.tx_id = tx;
    p.in.flow_state = flow.get();
    p.Buffer(BufferId::kHttpUri, "/x");
    return InspectSids(engine, p.in).size();
  };
  EXPECT_EQ(inspect(0), 1u);
  EXPECT_EQ(inspect(0), 0u);
  EXPECT_EQ(inspect(1), 1u);
}

}  // namespace
}  // namespace otasuke::network::detect::testing

namespace otasuke::network::detect::testing {
namespace {

TEST(IpOnlyTest, InspectedOnFirstPacketOfEachDirection) {
  auto rules = LoadText(
      "alert tcp 10.0.0.0/8 any -> any any (sid:1;)\n"
      "alert tcp any any -> any any (flow:established; sid:2;)\n");
  DetectEngine engine(rules);
  FlowDetectStatePtr flow = NewFlowDetectState();
  auto send = [&](Direction direction) {
    PacketBuilder p;
    p.in.direction = direction;
    p.in.flow_state = flow.get();
    if (direction == Direction::kToClient) std::swap(p.in.src, p.in.dst);
    return InspectSids(engine, p.in);
  };
  EXPECT_THAT(send(Direction::kToServer), ElementsAre(1, 2));
  EXPECT_THAT(send(Direction::kToServer), ElementsAre(2));
  // 192.168.1.1 -> 10.0.0.1 is outside sid 1's source; it is still only tried once.
  EXPECT_THAT(send(Direction::kToClient), ElementsAre(2));
  EXPECT_THAT(send(Direction::kToClient), ElementsAre(2));
}

// A transaction-only inspection or a flush before the direction's first packet does not use up
// the IP-only inspection of that direction.
TEST(IpOnlyTest, TransactionsAndFlushesDoNotCountAsFirstPacket) {
  auto rules = LoadText(
      "alert tcp 10.0.0.0/8 any -> any any (sid:1;)\n"
      "alert tcp [10.0.0.1,10.0.0.2] any -> any 80 (sid:2;)\n");
  DetectEngine engine(rules);
  FlowDetectStatePtr flow = NewFlowDetectState();
  PacketBuilder p;
  p.in.flow_state = flow.get();
  p.in.tx_only = true;
  EXPECT_THAT(InspectSids(engine, p.in), IsEmpty());
  p.in.tx_only = false;
  p.in.kind = InspectionKind::kStreamFlush;
  EXPECT_THAT(InspectSids(engine, p.in), IsEmpty());
  p.in.kind = InspectionKind::kPacket;
  EXPECT_THAT(InspectSids(engine, p.in), ElementsAre(1, 2));
  EXPECT_THAT(InspectSids(engine, p.in), IsEmpty());
}

TEST(ActionTest, PassOnPacketPayloadCoversOnlyThatPacket) {
  auto rules = LoadText(
      "alert tcp any any -> any any (content:\"x\"; sid:1;)\n"
      "pass tcp any any -> any any (content:\"ok\"; sid:2;)\n");
  DetectEngine engine(rules);
  FlowDetectStatePtr flow = NewFlowDetectState();
  auto send = [&](const std::string& payload) {
    PacketBuilder p;
    p.Payload(payload);
    p.in.flow_state = flow.get();
    return InspectSids(engine, p.in);
  };
  EXPECT_THAT(send("x ok"), IsEmpty());
  EXPECT_THAT(send("x"), ElementsAre(1));
}

TEST(ActionTest, ContentlessRulesIgnoreStreamFlushes) {
  PacketBuilder p;
  p.in.kind = InspectionKind::kStreamFlush;
  p.in.app_proto = AppProto::kHttp;
  p.Buffer(BufferId::kHttpUri, "/a");
  EXPECT_THAT(Sids("alert http any any -> any any (flow:to_server; sid:1;)\n"
                   "alert http any any -> any any (http.uri; content:\"/a\"; sid:2;)\n",
                   p.in),
              ElementsAre(2));
}

}  // namespace
}  // namespace otasuke::network::detect::testing

namespace otasuke::network::detect::testing {
namespace {

// The default test packet with other addresses (either family).
std::vector<uint32_t> SidsBetween(const std::string& rules, const char* src, const char* dst) {
  PacketBuilder p;
  ParseIpAddress(src, &p.in.src);
  ParseIpAddress(dst, &p.in.dst);
  p.in.ip_version = p.in.src.family;
  return Sids(rules, p.in);
}

// Content-less rules with address lists go through the address index instead of being
// checked on every packet; matching must not change.
TEST(AddressIndexTest, ListRulesMatchExactlyTheirAddresses) {
  const std::string rules =
      "alert ip [1.2.3.4,5.6.7.0/24,2001:db8::1] any -> $HOME_NET any (sid:1;)\n"
      "alert tcp $HOME_NET any -> [8.8.8.8,9.9.9.0/30] any (sid:2;)\n"
      "alert ip [5.6.0.0/16] any <> any any (sid:3;)\n";
  auto from = [&](const char* src, const char* dst) { return SidsBetween(rules, src, dst); };
  EXPECT_THAT(from("1.2.3.4", "10.0.0.1"), ElementsAre(1));
  EXPECT_THAT(from("5.6.7.200", "192.168.0.9"), ElementsAre(1, 3));
  EXPECT_THAT(from("1.2.3.5", "10.0.0.1"), IsEmpty());
  EXPECT_THAT(from("10.0.0.1", "9.9.9.3"), ElementsAre(2));
  EXPECT_THAT(from("10.0.0.1", "9.9.9.4"), IsEmpty());
  EXPECT_THAT(from("10.0.0.1", "5.6.1.1"), ElementsAre(3));    // <> matches the reverse side
  EXPECT_THAT(from("2001:db8::1", "2001:db8::2"), IsEmpty());  // HOME_NET is IPv4 only
}

// The IPv6 parts of indexed sides are indexed too: an IPv6 packet meets only the rules whose
// set holds one of its addresses.
TEST(AddressIndexTest, Ipv6PartsMatchExactlyTheirAddresses) {
  const std::string rules =
      "alert tcp [2001:db8::1,2001:db8:1::/48,1.2.3.4] any -> any any (flowbits:set,a; sid:1;)\n"
      "alert ip any any <> [2001:db8:2::/64,5.6.7.8] any (sid:2;)\n"
      "alert ip [fe80::/10,!fe80::1] any -> any any (sid:3;)\n";
  auto from = [&](const char* src, const char* dst) { return SidsBetween(rules, src, dst); };
  EXPECT_THAT(from("2001:db8::1", "2001:db8::2"), ElementsAre(1));
  EXPECT_THAT(from("2001:db8:1:ffff::9", "::1"), ElementsAre(1));
  EXPECT_THAT(from("2001:db8::3", "2001:db8:3::1"), IsEmpty());
  EXPECT_THAT(from("2001:db8:2::5", "::1"), ElementsAre(2));  // <>: the reverse side
  EXPECT_THAT(from("::1", "2001:db8:2::5"), ElementsAre(2));
  EXPECT_THAT(from("fe80::2", "::1"), ElementsAre(3));
  EXPECT_THAT(from("fe80::1", "::1"), IsEmpty());
  EXPECT_THAT(from("1.2.3.4", "10.0.0.1"), ElementsAre(1));
}

// Lists wider than the narrow-list bound (whole /12s) are indexed as well, and rules whose only
// narrow side is a port set stay in the port index.
TEST(AddressIndexTest, WideListsAndPortRules) {
  const std::string rules =
      "alert ip [42.128.0.0/12,42.160.0.0/12] any -> $HOME_NET any (flowbits:set,a; sid:1;)\n"
      "alert tcp $HOME_NET any -> $EXTERNAL_NET 3389 (flags:S; sid:2;)\n";
  auto send = [&](const char* src, const char* dst, uint16_t dport) {
    PacketBuilder p;
    ParseIpAddress(src, &p.in.src);
    ParseIpAddress(dst, &p.in.dst);
    p.in.tcp_flags = kTcpSyn;
    p.in.dst_port = dport;
    return Sids(rules, p.in);
  };
  EXPECT_THAT(send("42.130.1.1", "10.0.0.1", 80), ElementsAre(1));
  EXPECT_THAT(send("42.175.255.255", "10.0.0.1", 80), ElementsAre(1));
  EXPECT_THAT(send("42.176.0.0", "10.0.0.1", 80), IsEmpty());
  EXPECT_THAT(send("10.0.0.1", "8.8.8.8", 3389), ElementsAre(2));
  EXPECT_THAT(send("10.0.0.1", "8.8.8.8", 3390), IsEmpty());
  EXPECT_THAT(send("8.8.4.4", "8.8.8.8", 3389), IsEmpty());
}

}  // namespace
}  // namespace otasuke::network::detect::testing

namespace otasuke::network::detect::testing {
namespace {

// Content-less rules with narrow port sets go through the port index.
TEST(PortIndexTest, PortRulesMatchExactlyTheirPorts) {
  const std::string rules =
      "alert tcp any any -> any [445,139] (flags:S; sid:1;)\n"
      "alert tcp any 8000:8010 <> any any (flags:S; sid:2;)\n"
      "alert udp any any -> any 53 (dsize:>0; sid:3;)\n";
  auto send = [&](uint8_t proto, uint16_t sport, uint16_t dport) {
    PacketBuilder p;
    p.Payload("x");
    p.in.ip_proto = proto;
    p.in.tcp_flags = kTcpSyn;
    p.in.src_port = sport;
    p.in.dst_port = dport;
    return Sids(rules, p.in);
  };
  EXPECT_THAT(send(6, 40000, 445), ElementsAre(1));
  EXPECT_THAT(send(6, 40000, 139), ElementsAre(1));
  EXPECT_THAT(send(6, 40000, 446), IsEmpty());
  EXPECT_THAT(send(6, 8005, 80), ElementsAre(2));
  EXPECT_THAT(send(6, 80, 8010), ElementsAre(2));  // <>: the reverse orientation
  EXPECT_THAT(send(17, 5000, 53), ElementsAre(3));
  EXPECT_THAT(send(17, 53, 5000), IsEmpty());
}

}  // namespace
}  // namespace otasuke::network::detect::testing

namespace otasuke::network::detect::testing {
namespace {

// Patternless candidates are looked up once per flow direction and rule group and kept in the
// flow's state: every packet must still meet exactly the rules a fresh lookup gives, also when
// the app protocol becomes known, in both directions, and for each of several flows (a state is
// for one flow's addresses and ports: inspection.h).
TEST(PatternlessCacheTest, FlowStateGivesWhatAFreshLookupGives) {
  auto rules = LoadText(
      "alert tcp [1.2.3.4,5.6.7.0/24] any -> any any (flags:S; sid:1;)\n"
      "alert tcp any any -> any [445,139] (flags:S; sid:2;)\n"
      "alert http any any -> [9.9.9.9] any (flags:S; sid:3;)\n"
      "alert tcp any any -> any any (flags:S; sid:4;)\n"
      "alert http any any -> any 8080 (flags:S; sid:5;)\n");
  DetectEngine cached(rules);
  DetectEngine fresh(rules);
  struct Packet {
    size_t flow;  // index into `flows`
    const char* src;
    const char* dst;
    uint16_t sport, dport;
    Direction direction;
    AppProto app;
  };
  FlowDetectStatePtr flows[] = {NewFlowDetectState(), NewFlowDetectState(), NewFlowDetectState()};
  const Packet packets[] = {
      {0, "1.2.3.4", "9.9.9.9", 40000, 445, Direction::kToServer, AppProto::kUnknown},
      {0, "1.2.3.4", "9.9.9.9", 40000, 445, Direction::kToServer, AppProto::kHttp},
      {0, "9.9.9.9", "1.2.3.4", 445, 40000, Direction::kToClient, AppProto::kHttp},
      {0, "1.2.3.4", "9.9.9.9", 40000, 445, Direction::kToServer, AppProto::kHttp},
      {1, "5.6.7.8", "9.9.9.9", 40000, 8080, Direction::kToServer, AppProto::kHttp},
      {2, "10.0.0.1", "8.8.8.8", 40000, 139, Direction::kToServer, AppProto::kUnknown},
      {2, "8.8.8.8", "10.0.0.1", 139, 40000, Direction::kToClient, AppProto::kUnknown},
  };
  for (const Packet& packet : packets) {
    PacketBuilder p;
    ParseIpAddress(packet.src, &p.in.src);
    ParseIpAddress(packet.dst, &p.in.dst);
    p.in.src_port = packet.sport;
    p.in.dst_port = packet.dport;
    p.in.tcp_flags = kTcpSyn;
    p.in.direction = packet.direction;
    p.in.app_proto = packet.app;
    const std::vector<uint32_t> expected = InspectSids(fresh, p.in);
    EXPECT_FALSE(expected.empty());
    p.in.flow_state = flows[packet.flow].get();
    EXPECT_EQ(InspectSids(cached, p.in), expected) << packet.src << " -> " << packet.dst;
  }
}

}  // namespace
}  // namespace otasuke::network::detect::testing
