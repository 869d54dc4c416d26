// The two prefilter matchers: each finds exactly the patterns a brute-force search finds, and
// whole rule sets give identical alerts with Hyperscan and with Aho-Corasick.
#include <algorithm>
#include <random>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/network/detect/anchored_patterns.h"
#include "agent/network/detect/compiled_rules.h"
#include "agent/network/detect/payload_match.h"
#include "agent/network/detect/prefilter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/network/detect/detect_test_util.h"

namespace otasuke::network::detect::testing {
namespace {

std::string RandomText(std::mt19937& rng, size_t length, std::string_view alphabet) {
  std::string s;
  for (size_t i = 0; i < length; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
  return s;
}

std::set<uint32_t> BruteForce(const std::vector<PrefilterPattern>& patterns,
                              const std::string& text) {
  std::set<uint32_t> found;
  std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  for (uint32_t i = 0; i < patterns.size(); ++i) {
    if (FindPattern(data, 0, data.size(), patterns[i].bytes, patterns[i].nocase) >= 0) {
      found.insert(i);
    }
  }
  return found;
}

std::set<uint32_t> Scan(const MultiPatternMatcher& matcher, const std::string& text) {
  PrefilterScratch scratch;
  EXPECT_TRUE(matcher.PrepareScratch(scratch).ok());
  std::set<uint32_t> found;
  matcher.Scan(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
               scratch, [&](uint32_t id) { found.insert(id); });
  return found;
}

std::vector<PrefilterPattern> RandomPatterns(std::mt19937& rng, size_t count) {
  std::vector<PrefilterPattern> patterns;
  std::set<std::pair<std::string, bool>> seen;
  while (patterns.size() < count) {
    PrefilterPattern p;
    p.nocase = rng() % 2 == 0;
    p.bytes = RandomText(rng, 1 + rng() % 5, "abAB\x00\xff");
    if (p.nocase) {
      for (char& c : p.bytes) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (seen.insert({p.bytes, p.nocase}).second) patterns.push_back(p);
  }
  return patterns;
}

TEST(PrefilterTest, AhoCorasickFindsWhatBruteForceFinds) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    const auto patterns = RandomPatterns(rng, 40);
    auto matcher = BuildAhoCorasick(patterns);
    ASSERT_TRUE(matcher.ok());
    for (int i = 0; i < 20; ++i) {
      const std::string text = RandomText(rng, rng() % 64, "abAB\x00\xff");
      EXPECT_EQ(Scan(**matcher, text), BruteForce(patterns, text)) << text;
    }
  }
}

// Hyperscan compiles every literal caseless (verification is exact afterwards), so it finds
// what a caseless brute-force search finds.
TEST(PrefilterTest, HyperscanFindsWhatCaselessBruteForceFinds) {
  if (!HyperscanAvailable()) GTEST_SKIP() << "built without Hyperscan";
  std::mt19937 rng(11);
  for (int round = 0; round < 10; ++round) {
    const auto patterns = RandomPatterns(rng, 40);
    auto caseless = patterns;
    for (auto& p : caseless) {
      p.nocase = true;
      for (char& c : p.bytes) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto matcher = BuildHyperscan(patterns);
    ASSERT_TRUE(matcher.ok()) << matcher.status();
    for (int i = 0; i < 20; ++i) {
      const std::string text = RandomText(rng, rng() % 64, "abAB\x00\xff");
      EXPECT_EQ(Scan(**matcher, text), BruteForce(caseless, text)) << text;
    }
  }
}

// Random rules (contents with modifiers, buffers, pcre) over random traffic: both prefilters
// must produce the same alerts, in the same order.
TEST(PrefilterTest, HyperscanAndAhoCorasickGiveIdenticalAlerts) {
  if (!HyperscanAvailable()) GTEST_SKIP() << "built without Hyperscan";
  std::mt19937 rng(3);
  const char* kBuffers[] = {"", "http.uri; ", "http.host; ", "http.user_agent; "};
  std::string rules;
  for (int sid = 1; sid <= 300; ++sid) {
    std::string options = kBuffers[rng() % 4];
    const int contents = 1 + rng() % 2;
    for (int c = 0; c < contents; ++c) {
      options += "content:\"" + RandomText(rng, 2 + rng() % 3, "abcAB") + "\"; ";
      if (rng() % 2) options += "nocase; ";
      if (c > 0 && rng() % 2) options += "distance:0; ";
    }
    if (sid % 17 == 0) options = "pcre:\"/a[bc]+A/i\"; ";
    const std::string proto = options.rfind("http", 0) == 0 ? "http" : "tcp";
    rules += "alert " + proto + " any any -> any any (" + options + "sid:" + std::to_string(sid) +
             ";)\n";
  }
  auto hs_rules = LoadText(rules, PrefilterKind::kHyperscan);
  auto ac_rules = LoadText(rules, PrefilterKind::kAhoCorasick);
  ASSERT_NE(hs_rules, nullptr);
  ASSERT_NE(ac_rules, nullptr);
  EXPECT_EQ(PrefilterName(*hs_rules), "hyperscan");
  EXPECT_EQ(PrefilterName(*ac_rules), "aho-corasick");
  DetectEngine hs(hs_rules);
  DetectEngine ac(ac_rules);
  size_t total_alerts = 0;
  for (int i = 0; i < 300; ++i) {
    PacketBuilder p;
    p.in.app_proto = AppProto::kHttp;
    p.Payload(RandomText(rng, 40, "abcAB "))
        .Buffer(BufferId::kHttpUri, RandomText(rng, 20, "abcAB/"))
        .Buffer(BufferId::kHttpHost, RandomText(rng, 12, "abcAB."))
        .Buffer(BufferId::kHttpUserAgent, RandomText(rng, 16, "abcAB "));
    const auto hs_sids = InspectSids(hs, p.in);
    EXPECT_EQ(hs_sids, InspectSids(ac, p.in)) << "packet " << i;
    total_alerts += hs_sids.size();
  }
  EXPECT_GT(total_alerts, 100u);  // the comparison is not vacuous
}

// A buffer shorter than every pattern of a database can contain none of them: it is not
// scanned, and one as long as the shortest pattern still is (with either matcher).
TEST(PrefilterTest, BufferShorterThanEveryPatternIsNotScanned) {
  const std::string rules =
      "alert tcp any any -> any any (content:\"abcd\"; sid:1;)\n"
      "alert tcp any any -> any any (content:\"abcdef\"; sid:2;)\n";
  for (const PrefilterKind kind : {PrefilterKind::kHyperscan, PrefilterKind::kAhoCorasick}) {
    if (kind == PrefilterKind::kHyperscan && !HyperscanAvailable()) continue;
    auto compiled = LoadText(rules, kind);
    ASSERT_NE(compiled, nullptr);
    DetectEngine engine(compiled);
    PacketBuilder shorter;
    shorter.Payload("abc");
    EXPECT_TRUE(InspectSids(engine, shorter.in).empty());
    EXPECT_EQ(engine.stats().prefilter_scans, 0u) << PrefilterName(*compiled);
    PacketBuilder shortest;
    shortest.Payload("ABCD");  // caseless prefilter, exact verification: no alert
    EXPECT_TRUE(InspectSids(engine, shortest.in).empty());
    PacketBuilder longer;
    longer.Payload("xabcdefx");
    EXPECT_EQ(InspectSids(engine, longer.in), (std::vector<uint32_t>{1, 2}));
    PacketBuilder exact;
    exact.Payload("abcd");
    EXPECT_EQ(InspectSids(engine, exact.in), std::vector<uint32_t>{1});
    EXPECT_EQ(engine.stats().prefilter_scans, 3u) << PrefilterName(*compiled);
  }
}

// A one-byte buffer is looked up among the database's one-byte patterns instead of scanned:
// the same rules alert as with a scan (case as the rule says, verified exactly).
TEST(PrefilterTest, OneByteBufferFindsTheOneBytePatterns) {
  const std::string rules =
      "alert tcp any any -> any any (content:\"a\"; sid:1;)\n"
      "alert tcp any any -> any any (content:\"B\"; nocase; sid:2;)\n"
      "alert tcp any any -> any any (content:\"|00|\"; sid:3;)\n"
      "alert tcp any any -> any any (content:\"ab\"; sid:4;)\n";
  for (const PrefilterKind kind : {PrefilterKind::kHyperscan, PrefilterKind::kAhoCorasick}) {
    if (kind == PrefilterKind::kHyperscan && !HyperscanAvailable()) continue;
    auto compiled = LoadText(rules, kind);
    ASSERT_NE(compiled, nullptr);
    DetectEngine engine(compiled);
    auto sids = [&](std::string_view payload) {
      PacketBuilder p;
      p.Payload(std::string(payload));
      return InspectSids(engine, p.in);
    };
    const std::string_view name = PrefilterName(*compiled);
    EXPECT_EQ(sids("a"), std::vector<uint32_t>{1}) << name;
    EXPECT_TRUE(sids("A").empty()) << name;
    EXPECT_EQ(sids("b"), std::vector<uint32_t>{2}) << name;
    EXPECT_EQ(sids("B"), std::vector<uint32_t>{2}) << name;
    EXPECT_EQ(sids(std::string_view("\0", 1)), std::vector<uint32_t>{3}) << name;
    EXPECT_TRUE(sids("c").empty()) << name;
    EXPECT_EQ(sids("ab"), (std::vector<uint32_t>{1, 2, 4})) << name;  // scanned
  }
}

// An inspection of a flow that is not established (or of no flow) scans the database of the
// rules that do not need `flow:established`: the same rules alert as a scan of every pattern
// would give, with both matchers; a database whose rules all need it is not scanned then.
TEST(PrefilterTest, FlowNotEstablishedScansOnlyRulesThatDoNotNeedIt) {
  std::string rules =
      "alert tcp any any -> any any (content:\"open\"; sid:1;)\n"
      "alert tcp any any -> any any (content:\"both\"; sid:2;)\n"
      "alert tcp any any -> any any (flow:not_established; content:\"early\"; sid:3;)\n"
      "alert tcp any any -> any any (flow:established; content:\"both\"; sid:4;)\n";
  for (int i = 0; i < 6; ++i) {
    absl::StrAppend(&rules, "alert tcp any any -> any any (flow:established; content:\"est", i,
                    "\"; sid:", 10 + i, ";)\n");
  }
  const std::string only_established =
      "alert tcp any any -> any any (flow:established; content:\"est\"; sid:1;)\n";
  for (const PrefilterKind kind : {PrefilterKind::kHyperscan, PrefilterKind::kAhoCorasick}) {
    if (kind == PrefilterKind::kHyperscan && !HyperscanAvailable()) continue;
    auto compiled = LoadText(rules, kind);
    ASSERT_NE(compiled, nullptr);
    const std::string_view name = PrefilterName(*compiled);
    const PrefilterDatabase& payload =
        *compiled->groups[GroupIndex(kGroupTcp, Direction::kToServer)].databases[0];
    ASSERT_NE(payload.unestablished, nullptr) << name;
    EXPECT_EQ(payload.unestablished->rules.size(), 3u) << name;
    DetectEngine engine(compiled);
    PacketBuilder p;
    p.Payload("open both early est0 est5");
    EXPECT_EQ(InspectSids(engine, p.in), (std::vector<uint32_t>{1, 2, 4, 10, 15})) << name;
    p.in.flow_established = false;
    EXPECT_EQ(InspectSids(engine, p.in), (std::vector<uint32_t>{1, 2, 3})) << name;
    p.in.has_flow = false;
    EXPECT_EQ(InspectSids(engine, p.in), (std::vector<uint32_t>{1, 2, 3})) << name;

    auto established_only = LoadText(only_established, kind);
    ASSERT_NE(established_only, nullptr);
    DetectEngine skipping(established_only);
    PacketBuilder early;
    early.Payload("est");
    early.in.flow_established = false;
    EXPECT_TRUE(InspectSids(skipping, early.in).empty()) << name;
    EXPECT_EQ(skipping.stats().prefilter_scans, 0u) << name;
    early.in.flow_established = true;
    EXPECT_EQ(InspectSids(skipping, early.in), std::vector<uint32_t>{1}) << name;
  }
}

// An inspection scans, of a large payload database, only the patterns of the rules whose
// addresses can meet its address class (source and destination inside $HOME_NET, the set the
// rules name most often, or not). Random rules, three quarters of them `$HOME_NET any ->
// $EXTERNAL_NET any` (so the other classes get subsets), the rest with random sides, `->` or
// `<>`, over random address pairs (IPv4 both sides of $HOME_NET, IPv6): a rule alerts exactly
// when its content is in the payload and its addresses meet, with both matchers, without and
// with a flow (whose cache keeps the class).
TEST(PrefilterTest, AddressClassScansOnlyRulesWhoseAddressesCanMeetIt) {
  struct Side {
    const char* text;
    std::set<std::string> holds;  // addresses of kAddresses in the set
  };
  const std::vector<std::string> kAddresses = {"10.0.0.1", "192.168.1.1", "8.8.8.8",
                                               "1.2.3.4",  "2001:db8::1", "2001:db9::1"};
  const std::vector<Side> kSides = {
      {"$HOME_NET", {"10.0.0.1", "192.168.1.1"}},
      {"$EXTERNAL_NET", {"8.8.8.8", "1.2.3.4", "2001:db8::1", "2001:db9::1"}},
      {"any", {kAddresses.begin(), kAddresses.end()}},
      {"8.8.8.8", {"8.8.8.8"}},
      {"10.0.0.1", {"10.0.0.1"}},
      {"[2001:db8::/32]", {"2001:db8::1"}},
      {"[10.0.0.1,1.2.3.4]", {"10.0.0.1", "1.2.3.4"}},
  };
  struct RandomRule {
    const Side* src;
    const Side* dst;
    bool bidirectional;
  };
  std::mt19937 rng(17);
  std::vector<RandomRule> random_rules;
  std::string rules;
  for (uint32_t sid = 1; sid <= 120; ++sid) {
    RandomRule r{&kSides[0], &kSides[1], false};
    if (rng() % 4 == 0) {
      r = RandomRule{&kSides[rng() % kSides.size()], &kSides[rng() % kSides.size()],
                     rng() % 3 == 0};
    }
    absl::StrAppend(&rules, "alert tcp ", r.src->text, " any ", r.bidirectional ? "<>" : "->", " ",
                    r.dst->text, " any (content:\"c", sid, "z\"; sid:", sid, ";)\n");
    random_rules.push_back(r);
  }
  for (const PrefilterKind kind : {PrefilterKind::kHyperscan, PrefilterKind::kAhoCorasick}) {
    if (kind == PrefilterKind::kHyperscan && !HyperscanAvailable()) continue;
    auto compiled = LoadText(rules, kind);
    ASSERT_NE(compiled, nullptr);
    const std::string_view name = PrefilterName(*compiled);
    const PrefilterDatabase& payload =
        *compiled->groups[GroupIndex(kGroupTcp, Direction::kToServer)].databases[0];
    const size_t subsets =
        std::count_if(payload.by_address_class.begin(), payload.by_address_class.end(),
                      [](const auto& subset) { return subset != nullptr; });
    EXPECT_GE(subsets, 2u) << name;
    DetectEngine engine(compiled);
    for (int round = 0; round < 300; ++round) {
      const std::string& src = kAddresses[rng() % kAddresses.size()];
      std::string dst = kAddresses[rng() % kAddresses.size()];
      // Both of one family.
      if ((src.find(':') == std::string::npos) != (dst.find(':') == std::string::npos)) dst = src;
      std::string content;
      std::vector<uint32_t> expected;
      for (uint32_t sid = 1; sid <= random_rules.size(); ++sid) {
        if (rng() % 8 != 0) continue;
        absl::StrAppend(&content, "c", sid, "z ");
        const RandomRule& r = random_rules[sid - 1];
        const bool one_way = r.src->holds.contains(src) && r.dst->holds.contains(dst);
        const bool other_way = r.src->holds.contains(dst) && r.dst->holds.contains(src);
        if (one_way || (r.bidirectional && other_way)) expected.push_back(sid);
      }
      PacketBuilder p;
      ParseIpAddress(src, &p.in.src);
      ParseIpAddress(dst, &p.in.dst);
      p.in.ip_version = src.find(':') == std::string::npos ? 4 : 6;
      p.Payload(content);
      ASSERT_EQ(InspectSids(engine, p.in), expected) << name << " round " << round;
      FlowDetectStatePtr flow = NewFlowDetectState();
      p.in.flow_state = flow.get();
      ASSERT_EQ(InspectSids(engine, p.in), expected) << name << " round " << round << ", flow";
    }
    // Between two $HOME_NET hosts the `$HOME_NET any -> $EXTERNAL_NET any` rule's pattern is
    // not looked for at all: it gives no candidate to fail the header test.
    PacketBuilder local;
    ParseIpAddress("192.168.1.1", &local.in.dst);
    local.Payload("c1z");
    ASSERT_EQ(random_rules[0].src, &kSides[0]);
    const uint64_t candidates = engine.stats().candidates;
    EXPECT_TRUE(InspectSids(engine, local.in).empty()) << name;
    EXPECT_EQ(engine.stats().candidates, candidates) << name;
  }
}

std::span<const uint8_t> Bytes(std::string_view text) {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

TEST(AnchoredPatternsTest, FindsAPatternAtItsStartOffsetOnlyCaseless) {
  AnchoredPatterns anchored;
  ASSERT_TRUE(AnchoredPatterns::Fits(4, 0, 0));
  ASSERT_TRUE(AnchoredPatterns::Fits(2, 3, 3));
  EXPECT_FALSE(AnchoredPatterns::Fits(1, 0, 0));  // one byte: left to the one-byte lookup
  EXPECT_FALSE(AnchoredPatterns::Fits(4, AnchoredPatterns::kMaxStart, AnchoredPatterns::kMaxStart));
  anchored.Add(0, std::string_view("\x01\x00\x00\x00", 4), 0, 0);
  anchored.Add(1, "Ab", 3, 3);
  anchored.Finish();
  auto found = [&](std::string_view text) {
    std::set<uint32_t> ids;
    anchored.ForEachMatch(Bytes(text), [&](uint32_t id) { ids.insert(id); });
    return ids;
  };
  EXPECT_EQ(found(std::string_view("\x01\x00\x00\x00xAB", 7)), std::set<uint32_t>{0});
  EXPECT_EQ(found("xxxAB"), std::set<uint32_t>{1});
  EXPECT_EQ(found(std::string_view("x\x01\x00\x00\x00", 5)), std::set<uint32_t>{});
  EXPECT_EQ(found(std::string_view("\x01\x00\x00", 3)), std::set<uint32_t>{});  // too short
  EXPECT_EQ(found("xxxab"), std::set<uint32_t>{1});
  EXPECT_EQ(found("xxab"), std::set<uint32_t>{});
  EXPECT_EQ(found(""), std::set<uint32_t>{});
}

// Contents whose window (offset, depth, startswith) allows a single start offset are looked up
// there instead of searched by the matcher. Random rules and payloads: a rule alerts exactly
// when its content lies in its window, with both matchers, and the prefilter's databases hold
// the anchored patterns apart.
TEST(PrefilterTest, AnchoredContentsAlertExactlyWhenInTheirWindow) {
  std::mt19937 rng(11);
  struct RandomRule {
    std::string content;
    int offset, depth;
    bool nocase;
  };
  std::vector<RandomRule> random_rules;
  std::string rules;
  for (uint32_t sid = 1; sid <= 40; ++sid) {
    RandomRule r{RandomText(rng, 2 + rng() % 3, "aB\x00"), static_cast<int>(rng() % 4), 0,
                 rng() % 3 == 0};
    r.depth = static_cast<int>(r.content.size() + rng() % 3);
    std::string hex;
    for (unsigned char c : r.content) hex += absl::StrCat("|", absl::Hex(c, absl::kZeroPad2), "|");
    absl::StrAppend(&rules, "alert tcp any any -> any any (content:\"", hex, "\"; ",
                    r.nocase ? "nocase; " : "", "offset:", r.offset, "; depth:", r.depth,
                    "; sid:", sid, ";)\n");
    random_rules.push_back(r);
  }
  for (const PrefilterKind kind : {PrefilterKind::kHyperscan, PrefilterKind::kAhoCorasick}) {
    if (kind == PrefilterKind::kHyperscan && !HyperscanAvailable()) continue;
    auto compiled = LoadText(rules, kind);
    ASSERT_NE(compiled, nullptr);
    const auto& database = compiled->groups[GroupIndex(kGroupTcp, Direction::kToServer)]
                               .databases[static_cast<size_t>(BufferId::kPktData)];
    ASSERT_NE(database, nullptr);
    EXPECT_GT(database->anchored.size(), 0u);
    DetectEngine engine(compiled);
    for (int round = 0; round < 400; ++round) {
      const std::string payload = RandomText(rng, 1 + rng() % 9, "abAB\x00");
      std::vector<uint32_t> expected;
      for (uint32_t i = 0; i < random_rules.size(); ++i) {
        const RandomRule& r = random_rules[i];
        if (static_cast<size_t>(r.offset) >= payload.size()) continue;
        std::string window = payload.substr(r.offset, r.depth);
        std::string content = r.content;
        if (r.nocase) {
          for (char& c : window) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          for (char& c : content)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (window.find(content) != std::string::npos) expected.push_back(i + 1);
      }
      PacketBuilder p;
      p.Payload(payload);
      ASSERT_EQ(InspectSids(engine, p.in), expected)
          << PrefilterName(*compiled) << " round " << round;
    }
  }
}

}  // namespace
}  // namespace otasuke::network::detect::testing
