// Suricata's alert finalisation end to end, over pcaps the tests write: action order (default
// and configured), the scope of pass and drop (packet or flow), a pass that follows a drop,
// IP-only rules once per direction, and the EVE verdict.

#include <string>
#include <vector>

#include "agent/network/detect/engine.h"
#include "agent/network/scan/network_scanner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/network/packet/packet_builder.h"
#include "tests/network/packet/scan_test_util.h"

namespace otasuke::network {
namespace {

using testing::Bytes;
using testing::Collector;
using ::testing::ElementsAre;
using testing::Endpoints;
using ::testing::IsEmpty;
using testing::Scan;
using testing::TcpSession;

using detect::RuleAction;

Endpoints Reversed(const Endpoints& e) { return Endpoints{e.dst, e.src, e.dport, e.sport}; }

detect::LoadOptions Ips(detect::ActionOrder order = detect::kDefaultActionOrder) {
  detect::LoadOptions load;
  load.ips_mode = true;
  load.action_order = order;
  return load;
}

constexpr detect::ActionOrder kDropFirst = {RuleAction::kDrop, RuleAction::kPass,
                                            RuleAction::kReject, RuleAction::kAlert};
constexpr detect::ActionOrder kAlertFirst = {RuleAction::kAlert, RuleAction::kPass,
                                             RuleAction::kDrop, RuleAction::kReject};
constexpr detect::ActionOrder kPassLast = {RuleAction::kDrop, RuleAction::kAlert,
                                           RuleAction::kReject, RuleAction::kPass};

// Three UDP datagrams of one flow, each carrying "hit".
std::vector<Bytes> ThreeHits() {
  const Endpoints e;
  return {testing::EthUdp(e, "hit 1"), testing::EthUdp(Reversed(e), "hit 2"),
          testing::EthUdp(e, "hit 3")};
}

constexpr char kHitRules[] =
    "alert udp any any -> any any (msg:\"alert\"; content:\"hit\"; sid:1;)\n"
    "pass udp any any -> any any (msg:\"pass\"; content:\"hit\"; sid:2;)\n"
    "drop udp any any -> any any (msg:\"drop\"; content:\"hit\"; sid:3;)\n";

TEST(ActionOrderTest, DefaultOrderPutsPassFirst) {
  const Collector c = Scan(ThreeHits(), kHitRules);
  EXPECT_THAT(c.events, IsEmpty());
}

TEST(ActionOrderTest, DropFirstReportsTheDropAndThePassStopsTheAlert) {
  ScannerConfig config;
  config.eve_verdict = true;
  const Collector c = Scan(ThreeHits(), kHitRules, config, Ips(kDropFirst));
  // The pass matched in each datagram's own payload: it covers that packet only, so every
  // datagram is inspected and drops; the pass (conflicting with the drop) still ends the list.
  ASSERT_EQ(c.Count(3), 3);
  EXPECT_EQ(c.Count(1), 0);
  for (const nlohmann::json& eve : c.json) {
    EXPECT_EQ(eve["alert"]["action"], "blocked");
    EXPECT_EQ(eve["verdict"]["action"], "drop");
  }
}

TEST(ActionOrderTest, AlertFirstReportsTheAlertWithAPassVerdict) {
  ScannerConfig config;
  config.eve_verdict = true;
  const Collector c = Scan(ThreeHits(), kHitRules, config, [] {
    detect::LoadOptions load;
    load.action_order = kAlertFirst;
    return load;
  }());
  ASSERT_EQ(c.Count(1), 3);
  EXPECT_EQ(c.Count(3), 0);
  for (const nlohmann::json& eve : c.json) EXPECT_EQ(eve["verdict"]["action"], "pass");
}

TEST(ActionOrderTest, ReadFromTheVarsDocument) {
  detect::LoadOptions load;
  load.vars_yaml_text =
      "%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: any\n"
      "action-order:\n  - drop\n  - pass\n  - reject\n  - alert\n";
  const Collector c = Scan(ThreeHits(), kHitRules, {}, load);
  EXPECT_EQ(c.Count(3), 3);
}

TEST(PassScopeTest, PassInAPacketPayloadCoversThatPacketOnly) {
  const Endpoints e;
  const std::vector<Bytes> frames = {testing::EthUdp(e, "trusted data"),
                                     testing::EthUdp(e, "more data")};
  const Collector c = Scan(frames,
                           "pass udp any any -> any any (content:\"trusted\"; sid:1;)\n"
                           "alert udp any any -> any any (content:\"data\"; sid:2;)\n");
  ASSERT_EQ(c.Count(2), 1);
  EXPECT_EQ(c.events[0].pcap_cnt, 2u);
}

TEST(PassScopeTest, PassInStreamDataPassesTheFlow) {
  TcpSession s(Endpoints{});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData("trusted data"));
  frames.push_back(s.ServerAck());
  frames.push_back(s.ClientData("more data"));
  frames.push_back(s.ServerAck());
  const std::string alert = "alert tcp any any -> any any (content:\"data\"; sid:2;)\n";
  ASSERT_GE(Scan(frames, alert).Count(2), 1);
  const Collector c =
      Scan(frames, "pass tcp any any -> any any (content:\"trusted\"; sid:1;)\n" + alert);
  EXPECT_EQ(c.Count(2), 0);
}

TEST(PassScopeTest, IpOnlyPassPassesTheFlow) {
  const Collector c = Scan(ThreeHits(),
                           "pass udp any any -> any any (sid:1;)\n"
                           "alert udp any any -> any any (content:\"hit\"; sid:2;)\n");
  EXPECT_THAT(c.events, IsEmpty());
}

TEST(DropScopeTest, PacketRuleDropsThePacketOnly) {
  const Collector c = Scan(ThreeHits(),
                           "drop udp any any -> any any (dsize:5; content:\"hit 1\"; sid:1;)\n"
                           "alert udp any any -> any any (content:\"hit\"; sid:2;)\n",
                           {}, Ips());
  EXPECT_EQ(c.Count(1), 1);
  EXPECT_EQ(c.Count(2), 3);  // the flow goes on
}

TEST(DropScopeTest, IpOnlyDropDropsTheFlowInIdsModeToo) {
  const Collector c = Scan(ThreeHits(),
                           "drop udp any any -> any any (sid:1;)\n"
                           "alert udp any any -> any any (content:\"hit\"; sid:2;)\n");
  // Drop sorts before alert and does not stop it; then the flow is inspected no more.
  EXPECT_THAT(c.SidsAt(1), ElementsAre(1u, 2u));
  EXPECT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.json[0]["alert"]["action"], "allowed");
}

// Suricata bug 7653: with drop ordered before pass, a pass matching the same packet as a drop
// is not applied (neither to the packet nor to the flow), though it still ends the alerts.
TEST(PassAfterDropTest, IsNotAppliedToTheFlow) {
  const std::string rules =
      "pass udp any any -> any any (sid:1;)\n"
      "drop udp any any -> any any (content:\"hit\"; sid:2;)\n"
      "alert udp any any -> any any (sid:3;)\n";
  const Collector c = Scan(ThreeHits(), rules, {}, Ips(kPassLast));
  EXPECT_EQ(c.Count(1), 0);
  EXPECT_EQ(c.Count(2), 3);  // the flow was not passed
  EXPECT_EQ(c.Count(3), 2);  // IP-only: first packet of each direction
  // Default order: the IP-only pass comes first and passes the flow.
  EXPECT_THAT(Scan(ThreeHits(), rules, {}, Ips()).events, IsEmpty());
}

TEST(IpOnlyTest, AlertsOnTheFirstPacketOfEachDirection) {
  TcpSession s(Endpoints{});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData("a"));
  frames.push_back(s.ServerData("b"));
  frames.push_back(s.ClientData("c"));
  frames.push_back(s.ServerData("d"));
  const Collector c = Scan(frames, "alert tcp any any -> any any (sid:1;)\n");
  ASSERT_EQ(c.Count(1), 2);
  EXPECT_EQ(c.events[0].pcap_cnt, 1u);
  EXPECT_EQ(c.events[0].direction, "to_server");
  EXPECT_EQ(c.events[1].pcap_cnt, 2u);
  EXPECT_EQ(c.events[1].direction, "to_client");
}

TEST(VerdictTest, RejectNamesItsTargetAndResetKind) {
  TcpSession s(Endpoints{});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData("bad"));
  ScannerConfig config;
  config.eve_verdict = true;
  config.stream_inline = true;
  const std::string rules = "rejectboth tcp any any -> any any (content:\"bad\"; sid:1;)\n";
  const Collector ips = Scan(frames, rules, config, Ips());
  ASSERT_EQ(ips.json.size(), 1u);
  EXPECT_EQ(ips.json[0]["alert"]["action"], "blocked");
  EXPECT_EQ(
      ips.json[0]["verdict"],
      nlohmann::json::parse(R"({"action":"drop","reject-target":"both","reject":["tcp-reset"]})"));
  // IDS: the reject is still reported blocked, the verdict is alert.
  const Collector ids = Scan(frames, rules, config);
  ASSERT_EQ(ids.json.size(), 1u);
  EXPECT_EQ(ids.json[0]["alert"]["action"], "blocked");
  EXPECT_EQ(ids.json[0]["verdict"]["action"], "alert");
  EXPECT_EQ(ids.json[0]["verdict"]["reject-target"], "both");
}

TEST(VerdictTest, OnlyWrittenWhenConfigured) {
  const Collector c = Scan({testing::EthUdp(Endpoints{}, "hit")},
                           "alert udp any any -> any any (content:\"hit\"; sid:1;)\n");
  ASSERT_EQ(c.json.size(), 1u);
  EXPECT_FALSE(c.json[0].contains("verdict"));
}

}  // namespace
}  // namespace otasuke::network
