// What the engine keeps per flow direction to skip work: the prefilter databases whose rule
// headers the flow cannot meet are not scanned, a growing request body is scanned only where it
// grew, a buffer set once per transaction is not scanned again, and the alerts stay exactly those
// of an engine that scans everything.
#include <algorithm>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/network/detect/compiled_rules.h"
#include "agent/network/detect/prefilter.h"
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

// The same packets through an engine with flow state (one per flow: a state is for one flow's
// addresses and ports) and through one without (which scans every database): the same alerts,
// with either prefilter.
TEST(DatabaseReachTest, AlertsEqualThoseOfAFullScan) {
  for (PrefilterKind kind : {PrefilterKind::kAhoCorasick, PrefilterKind::kDefault}) {
    auto rules = LoadText(std::string(kNarrowRules) +
                              "alert tcp any any -> any any (content:\"any\"; sid:6;)\n"
                              "alert http any any -> any any (http.uri; content:\"/a\"; sid:7;)\n",
                          kind);
    ASSERT_NE(rules, nullptr);
    DetectEngine cached(rules);
    DetectEngine fresh(rules);
    FlowDetectStatePtr flows[] = {NewFlowDetectState(), NewFlowDetectState()};
    const std::pair<size_t, FlowPacket> packets[] = {
        {0, {"10.0.0.1", "9.9.9.9", 5000, 143, Direction::kToServer, "login beacon any"}},
        {0, {"9.9.9.9", "10.0.0.1", 143, 5000, Direction::kToClient, "login beacon any"}},
        {0, {"10.0.0.1", "9.9.9.9", 5000, 143, Direction::kToServer, "both login"}},
        {1, {"8.8.8.8", "9.9.9.9", 443, 80, Direction::kToServer, "\x16\x03 any"}},
    };
    uint64_t tx_id = 0;
    for (const auto& [flow, packet] : packets) {
      PacketBuilder p = Build(packet);
      p.Buffer(BufferId::kHttpUri, "/a");
      p.in.app_proto = AppProto::kHttp;
      p.in.tx_id = ++tx_id;  // app-layer rules alert once per transaction of a flow
      const std::vector<uint32_t> expected = InspectSids(fresh, p.in);
      p.in.flow_state = flows[flow].get();
      EXPECT_EQ(InspectSids(cached, p.in), expected) << packet.src << " -> " << packet.dst;
    }
  }
}

// Random payload rules over the server-side port sets a rule set names: hot ports (named by
// many rules), a list, wide sets, `any`, a port few rules name, rules that name the client's port
// too, bidirectional and flow-direction rules. The payload databases get a subset per hot server
// port and one for the other ports (PrefilterDatabase::by_server_port), which a flow direction
// chooses once; random flows to ports inside and outside the hot set, with their packets in both
// directions, established or not, alert exactly as an engine with no flow state (which scans
// whole databases), with both matchers, also when the rule set is swapped mid-flow.
std::string RandomPortRules(std::mt19937& rng, uint32_t first_sid, uint32_t count) {
  const char* kServerSides[] = {"any",       "any",  "any", "445", "445",        "80",
                                "[139,445]", "1521", "22",  "!80", "1024:65535", "[80,443,8080]"};
  const char* kClientSides[] = {"any", "any", "any", "any", "any", "445", "1024:"};
  const char* kFlows[] = {"", "", "flow:to_server; ", "flow:to_client; ",
                          "flow:established,to_server; "};
  std::string rules;
  for (uint32_t sid = first_sid; sid < first_sid + count; ++sid) {
    const char* server = kServerSides[rng() % std::size(kServerSides)];
    const char* client = kClientSides[rng() % std::size(kClientSides)];
    const bool to_client_rule = rng() % 3 == 0;  // written server -> client
    const bool bidirectional = rng() % 8 == 0;
    const char* src_net = rng() % 4 == 0 ? "$HOME_NET" : "any";
    absl::StrAppend(&rules, "alert tcp ", src_net, " ", to_client_rule ? server : client,
                    bidirectional ? " <> " : " -> ", "any ", to_client_rule ? client : server, " (",
                    kFlows[rng() % std::size(kFlows)], "content:\"p", sid, "q\"; sid:", sid,
                    ";)\n");
  }
  return rules;
}

TEST(DatabaseReachTest, ServerPortSubsetsAlertAsAFullScan) {
  std::mt19937 rng(23);
  const std::string rule_sets[2] = {RandomPortRules(rng, 1, 160), RandomPortRules(rng, 1, 160)};
  const uint16_t kServerPorts[] = {445, 80, 139, 1521, 22, 443, 8080, 5000, 1024, 65535};
  const uint16_t kClientPorts[] = {50000, 1234, 445, 1024, 80};
  const char* kHosts[] = {"10.0.0.1", "192.168.1.1", "8.8.8.8", "1.2.3.4"};
  for (PrefilterKind kind : {PrefilterKind::kAhoCorasick, PrefilterKind::kDefault}) {
    std::shared_ptr<const CompiledRules> compiled[2] = {LoadText(rule_sets[0], kind),
                                                        LoadText(rule_sets[1], kind)};
    ASSERT_NE(compiled[0], nullptr);
    ASSERT_NE(compiled[1], nullptr);
    const std::string_view name = PrefilterName(*compiled[0]);
    // 445 is hot, and the TCP payload databases have subsets for the hot ports and the others.
    EXPECT_NE(
        std::find(compiled[0]->hot_server_ports.begin(), compiled[0]->hot_server_ports.end(), 445),
        compiled[0]->hot_server_ports.end())
        << name;
    for (Direction direction : {Direction::kToServer, Direction::kToClient}) {
      const PrefilterDatabase& payload =
          *compiled[0]->groups[GroupIndex(kGroupTcp, direction)].databases[0];
      EXPECT_EQ(payload.by_server_port.size(),
                compiled[0]->hot_server_ports.size() + kColdPortClasses)
          << name;
    }
    DetectEngine cached(compiled[0]);
    DetectEngine fresh(compiled[0]);
    int rule_set = 0;
    for (int flow_number = 0; flow_number < 60; ++flow_number) {
      const uint16_t server_port = kServerPorts[rng() % std::size(kServerPorts)];
      const uint16_t client_port = kClientPorts[rng() % std::size(kClientPorts)];
      const char* client = kHosts[rng() % std::size(kHosts)];
      const char* server = kHosts[rng() % std::size(kHosts)];
      const bool established = rng() % 4 != 0;
      FlowDetectStatePtr flow = NewFlowDetectState();
      for (int packet = 0; packet < 6; ++packet) {
        if (flow_number % 5 == 0 && packet == 3) {  // a reload mid-flow
          rule_set ^= 1;
          cached.SetRules(compiled[rule_set]);
          fresh.SetRules(compiled[rule_set]);
        }
        std::string content;
        for (uint32_t sid = 1; sid <= 160; ++sid) {
          if (rng() % 6 == 0) absl::StrAppend(&content, "p", sid, "q ");
        }
        const bool to_server = packet % 2 == 0;
        PacketBuilder p =
            Build({to_server ? client : server, to_server ? server : client,
                   to_server ? client_port : server_port, to_server ? server_port : client_port,
                   to_server ? Direction::kToServer : Direction::kToClient, content});
        p.in.flow_established = established;
        const std::vector<uint32_t> expected = InspectSids(fresh, p.in);
        p.in.flow_state = flow.get();
        ASSERT_EQ(InspectSids(cached, p.in), expected)
            << name << " flow " << flow_number << " packet " << packet << " server port "
            << server_port << " client port " << client_port;
      }
    }
  }
}

// Random text over a/b in both cases (caseless and cased patterns both meet it).
std::string RandomText(std::mt19937& rng, size_t length) {
  std::string s;
  for (size_t i = 0; i < length; ++i) s.push_back("abAB"[rng() % 4]);
  return s;
}

// A to-server inspection of an HTTP transaction whose request body grew.
PacketBuilder RequestBody(FlowDetectState* flow, uint64_t tx_id, const std::string& body) {
  PacketBuilder p;
  p.in.app_proto = AppProto::kHttp;
  p.in.tx_id = tx_id;
  p.in.flow_state = flow;
  p.in.SetBuffer(BufferId::kHttpRequestBody, std::string_view(body));
  return p;
}

// The request body grows packet by packet; each inspection of the transaction scans only the
// bytes added (and the longest pattern's length before them) and keeps the patterns found
// earlier, so a pattern straddling two packets, or found early for a rule whose other content
// comes later, still makes its rule a candidate. Random bodies grown in random steps: the rules
// that alert are those of an engine scanning the whole body each time (which alerts again on
// every inspection: no flow state), with both matchers.
TEST(AppendedBufferScanTest, GrowingRequestBodyAlertsAsIfScannedWhole) {
  std::mt19937 rng(5);
  auto random_text = [&](size_t length) { return RandomText(rng, length); };
  std::string rules;
  for (uint32_t sid = 1; sid <= 30; ++sid) {
    // A long fast pattern, sometimes with a short content that must follow it.
    absl::StrAppend(
        &rules, "alert http any any -> any any (http.request_body; content:\"",
        random_text(5 + rng() % 4), "\";", sid % 3 == 0 ? " nocase;" : "",
        sid % 2 == 0 ? absl::StrCat(" content:\"", random_text(2), "\"; distance:0;") : "",
        " sid:", sid, ";)\n");
  }
  for (const PrefilterKind kind : {PrefilterKind::kHyperscan, PrefilterKind::kAhoCorasick}) {
    if (kind == PrefilterKind::kHyperscan && !HyperscanAvailable()) continue;
    auto compiled = LoadText(rules, kind);
    ASSERT_NE(compiled, nullptr);
    DetectEngine engine(compiled);
    DetectEngine whole(compiled);
    FlowDetectStatePtr flow = NewFlowDetectState();
    for (uint64_t tx = 1; tx <= 40; ++tx) {
      std::string body;
      std::set<uint32_t> alerted;  // once per transaction
      std::set<uint32_t> expected;
      for (int step = 0; step < 6; ++step) {
        body += random_text(rng() % 40);
        for (uint32_t sid : InspectSids(engine, RequestBody(flow.get(), tx, body).in)) {
          EXPECT_TRUE(alerted.insert(sid).second) << sid;
        }
        for (uint32_t sid : InspectSids(whole, RequestBody(nullptr, tx, body).in)) {
          expected.insert(sid);
        }
        ASSERT_EQ(alerted, expected) << PrefilterName(*compiled) << " tx " << tx << " " << body;
      }
    }
  }
}

// Buffers set once per transaction (the URI, header values, the header block) are not scanned
// again while a transaction's view of them is the same: every response packet of a transaction
// inspected its request's URI and user agent again. Random URIs and user agents, each
// transaction inspected several times to client (the view kept, or the buffer copied to a new
// view, as a later transaction's would be): the rules that alert are those of an engine
// scanning every time, with both matchers.
TEST(BufferScanMemoTest, BuffersSetOncePerTransactionAlertAsIfScannedEachTime) {
  std::mt19937 rng(9);
  auto random_text = [&](size_t length) { return RandomText(rng, length); };
  std::string rules;
  for (uint32_t sid = 1; sid <= 20; ++sid) {
    absl::StrAppend(&rules, "alert http any any -> any any (flow:to_client; ",
                    sid % 2 == 0 ? "http.uri" : "http.user_agent", "; content:\"",
                    random_text(3 + rng() % 3), "\";", sid % 3 == 0 ? " nocase;" : "", " sid:", sid,
                    ";)\n");
  }
  for (const PrefilterKind kind : {PrefilterKind::kHyperscan, PrefilterKind::kAhoCorasick}) {
    if (kind == PrefilterKind::kHyperscan && !HyperscanAvailable()) continue;
    auto compiled = LoadText(rules, kind);
    ASSERT_NE(compiled, nullptr);
    DetectEngine engine(compiled);
    DetectEngine whole(compiled);
    FlowDetectStatePtr flow = NewFlowDetectState();
    for (uint64_t tx = 1; tx <= 40; ++tx) {
      std::string uri = random_text(4 + rng() % 30);
      std::string user_agent = random_text(4 + rng() % 30);
      std::set<uint32_t> alerted;  // once per transaction
      std::set<uint32_t> expected;
      for (int step = 0; step < 4; ++step) {
        if (rng() % 3 == 0) uri = std::string(uri.data(), uri.size());  // a new view
        auto inspection = [&](FlowDetectState* state) {
          PacketBuilder p;
          p.in.direction = Direction::kToClient;
          p.in.app_proto = AppProto::kHttp;
          p.in.tx_id = tx;
          p.in.flow_state = state;
          p.in.SetBuffer(BufferId::kHttpUri, std::string_view(uri));
          p.in.SetBuffer(BufferId::kHttpUserAgent, std::string_view(user_agent));
          return p;
        };
        for (uint32_t sid : InspectSids(engine, inspection(flow.get()).in)) {
          EXPECT_TRUE(alerted.insert(sid).second) << sid;
        }
        for (uint32_t sid : InspectSids(whole, inspection(nullptr).in)) expected.insert(sid);
        ASSERT_EQ(alerted, expected) << PrefilterName(*compiled) << " tx " << tx << " " << uri;
      }
    }
  }
}

// A random rule set over a few words: payload, app-layer buffer and packet-only rules, rules
// without a pattern (by address, by port, always checked) and IP-only rules (sids from
// `ip_only_first_sid`, which alert on a flow direction's first packet only), most of them
// `$HOME_NET any -> $EXTERNAL_NET` (so the payload databases get address class subsets).
std::string RandomRuleSet(std::mt19937& rng, uint32_t first_sid, uint32_t ip_only_first_sid) {
  const char* kWords[] = {"alpha", "beta", "gamma", "delta", "eps", "zeta"};
  const char* kAddresses[] = {"any", "$HOME_NET", "$EXTERNAL_NET", "10.0.0.1",
                              "[8.8.8.8,192.168.1.1]"};
  const char* kPorts[] = {"any", "80", "[80,8080]", "1024:", "53", "!80", "443"};
  const char* kProtos[] = {"tcp", "udp", "http", "dns", "tls"};
  const char* kAppBuffers[] = {"", "", "http.uri; ", "dns.query; ", "tls.sni; "};
  auto pick = [&](const auto& list) { return list[rng() % std::size(list)]; };
  std::string rules;
  uint32_t sid = first_sid;
  for (int i = 0; i < 200; ++i) {
    const size_t proto = rng() % std::size(kProtos);
    std::string header;
    if (rng() % 5 != 0) {
      header = absl::StrCat("tcp $HOME_NET any -> $EXTERNAL_NET ", pick(kPorts));
    } else {
      header = absl::StrCat(kProtos[proto], " ", pick(kAddresses), " ", pick(kPorts),
                            rng() % 5 == 0 ? " <> " : " -> ", pick(kAddresses), " ", pick(kPorts));
    }
    std::string options;
    switch (rng() % 6) {
      case 0:  // patternless
        options = rng() % 2 == 0 ? absl::StrCat("dsize:<", rng() % 12, "; ") : "dsize:0; ";
        break;
      case 1:  // packet-only
        options = absl::StrCat("content:\"", pick(kWords), "\"; dsize:>", rng() % 20, "; ");
        break;
      default:
        options = absl::StrCat(header.rfind("tcp", 0) == 0 ? "" : kAppBuffers[proto], "content:\"",
                               pick(kWords), "\"; ", rng() % 3 == 0 ? "nocase; " : "");
        break;
    }
    if (rng() % 4 == 0) options += rng() % 2 == 0 ? "flow:established; " : "flow:to_client; ";
    absl::StrAppend(&rules, "alert ", header, " (", options, "sid:", sid++, ";)\n");
  }
  for (uint32_t ip_only = ip_only_first_sid; ip_only < ip_only_first_sid + 6; ++ip_only) {
    absl::StrAppend(&rules, "alert ", rng() % 2 == 0 ? "ip" : "tcp", " ", pick(kAddresses),
                    " any -> ", pick(kAddresses), " any (sid:", ip_only, ";)\n");
  }
  return rules;
}

// What a flow direction derives once (its plan: groups, payload database slots, address class,
// whether it can have a candidate without a scan) follows the flow's app protocol and the rule
// set: random TCP and UDP flows whose app protocol changes mid-flow, whose engine switches to
// another rule set mid-flow, with empty and non-empty payloads, stream chunks and stream
// flushes, alert exactly as with an engine given no flow state (which derives everything on
// every inspection), IP-only rules aside (with a flow they alert on a direction's first packet
// under a rule set only), with both matchers.
TEST(DirectionPlanTest, FlowsChangingAppProtocolAndRuleSetAlertAsWithoutFlowState) {
  std::mt19937 rng(23);
  const std::string rule_sets[2] = {RandomRuleSet(rng, 1, 900), RandomRuleSet(rng, 1001, 1900)};
  auto ip_only = [](uint32_t sid) { return (sid >= 900 && sid < 1000) || sid >= 1900; };
  const char* kHosts[] = {"10.0.0.1", "192.168.1.1", "8.8.8.8", "1.2.3.4"};
  const uint16_t kServerPorts[] = {80, 8080, 53, 443, 2000};
  const char* kWords[] = {"alpha", "beta", "gamma", "delta", "eps", "zeta", "x"};
  const AppProto kApps[] = {AppProto::kUnknown, AppProto::kHttp, AppProto::kDns, AppProto::kTls,
                            AppProto::kFailed};
  auto words = [&] {
    std::string text;
    for (int n = rng() % 4; n > 0; --n) absl::StrAppend(&text, kWords[rng() % std::size(kWords)]);
    return text;
  };
  for (const PrefilterKind kind : {PrefilterKind::kHyperscan, PrefilterKind::kAhoCorasick}) {
    if (kind == PrefilterKind::kHyperscan && !HyperscanAvailable()) continue;
    std::shared_ptr<const CompiledRules> compiled[2] = {LoadText(rule_sets[0], kind),
                                                        LoadText(rule_sets[1], kind)};
    ASSERT_NE(compiled[0], nullptr);
    ASSERT_NE(compiled[1], nullptr);
    const std::string_view name = PrefilterName(*compiled[0]);
    // The plan's address class picks a subset of the TCP payload databases.
    for (const auto& rules : compiled) {
      const PrefilterDatabase& payload =
          *rules->groups[GroupIndex(kGroupTcp, Direction::kToServer)].databases[0];
      EXPECT_TRUE(payload.has_address_class_subsets) << name;
    }
    size_t total_alerts = 0;
    for (int flow_number = 0; flow_number < 60; ++flow_number) {
      int rule_set = 0;
      DetectEngine planned(compiled[0]);
      DetectEngine stateless(compiled[0]);
      FlowDetectStatePtr flow = NewFlowDetectState();
      const std::string client = kHosts[rng() % std::size(kHosts)];
      std::string server = kHosts[rng() % std::size(kHosts)];
      const uint16_t client_port = static_cast<uint16_t>(1024 + rng() % 4);
      const uint16_t server_port = kServerPorts[rng() % std::size(kServerPorts)];
      const uint8_t ip_proto = rng() % 3 == 0 ? 17 : 6;
      AppProto app = AppProto::kUnknown;
      bool established = false;
      bool ip_only_done[2] = {false, false};
      for (uint64_t step = 1; step <= 30; ++step) {
        if (rng() % 8 == 0) app = kApps[rng() % std::size(kApps)];
        if (rng() % 6 == 0) established = true;
        if (rng() % 15 == 0) {  // a rule set swap mid-flow
          rule_set = 1 - rule_set;
          planned.SetRules(compiled[rule_set]);
          stateless.SetRules(compiled[rule_set]);
          ip_only_done[0] = ip_only_done[1] = false;
        }
        const Direction direction = rng() % 2 == 0 ? Direction::kToServer : Direction::kToClient;
        const bool to_server = direction == Direction::kToServer;
        PacketBuilder p;
        ParseIpAddress(to_server ? client : server, &p.in.src);
        ParseIpAddress(to_server ? server : client, &p.in.dst);
        p.in.src_port = to_server ? client_port : server_port;
        p.in.dst_port = to_server ? server_port : client_port;
        p.in.ip_proto = ip_proto;
        p.in.direction = direction;
        p.in.flow_established = established;
        p.in.app_proto = app;
        p.in.tx_id = step;  // app-layer rules alert once per transaction of a flow
        const bool flush = rng() % 10 == 0;
        if (flush) {
          p.in.kind = InspectionKind::kStreamFlush;
        } else {
          p.Payload(rng() % 3 == 0 ? "" : words());
          p.in.payload_in_stream =
              ip_proto == 6 && !p.in.Buffer(BufferId::kPktData).empty() && rng() % 2 == 0;
        }
        if (ip_proto == 6 && rng() % 2 == 0) p.Buffer(BufferId::kStream, words());
        if (app == AppProto::kHttp) p.Buffer(BufferId::kHttpUri, words());
        if (app == AppProto::kDns) p.Buffer(BufferId::kDnsQuery, words());
        if (app == AppProto::kTls) p.Buffer(BufferId::kTlsSni, words());
        std::vector<uint32_t> expected;
        for (uint32_t sid : InspectSids(stateless, p.in)) {
          if (!ip_only(sid) || !ip_only_done[to_server ? 0 : 1]) expected.push_back(sid);
        }
        if (!flush) ip_only_done[to_server ? 0 : 1] = true;
        p.in.flow_state = flow.get();
        ASSERT_EQ(InspectSids(planned, p.in), expected)
            << name << " flow " << flow_number << " step " << step;
        total_alerts += expected.size();
      }
    }
    EXPECT_GT(total_alerts, 300u) << name;  // the comparison is not vacuous
  }
}

}  // namespace
}  // namespace otasuke::network::detect::testing
