// Payload keywords on hand-built Inspections: content and its modifiers, pcre, byte_test,
// byte_jump, isdataat, bsize, sticky buffers and legacy modifiers.
#include <random>
#include <string>

#include "agent/network/detect/payload_match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/network/detect/detect_test_util.h"

namespace otasuke::network::detect::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string Rule(const std::string& options, uint32_t sid = 1) {
  return "alert tcp any any -> any any (msg:\"t\"; " + options + " sid:" + std::to_string(sid) +
         ";)\n";
}

std::vector<uint32_t> Payload(const std::string& options, const std::string& payload) {
  PacketBuilder p;
  p.Payload(payload);
  return Sids(Rule(options), p.in);
}

TEST(ContentTest, PlainHexAndEscapes) {
  EXPECT_THAT(Payload("content:\"abc\";", "xxabcxx"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"abd\";", "xxabcxx"), IsEmpty());
  EXPECT_THAT(Payload("content:\"a|42 43|d\";", "aBCd"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"a\\;b\\\"c\";", "a;b\"c"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"|00 ff|\";", std::string("\x00\xff", 2)), ElementsAre(1));
}

TEST(ContentTest, Nocase) {
  EXPECT_THAT(Payload("content:\"HeLLo\";", "hello"), IsEmpty());
  EXPECT_THAT(Payload("content:\"HeLLo\"; nocase;", "xHELLOx"), ElementsAre(1));
}

TEST(ContentTest, NegatedContent) {
  EXPECT_THAT(Payload("content:\"abc\"; content:!\"zzz\";", "abc"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"abc\"; content:!\"zzz\";", "abczzz"), IsEmpty());
}

TEST(ContentTest, OffsetAndDepth) {
  EXPECT_THAT(Payload("content:\"abc\"; offset:2;", "xxabc"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"abc\"; offset:3;", "xxabc"), IsEmpty());
  EXPECT_THAT(Payload("content:\"abc\"; depth:5;", "xxabcyy"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"abc\"; depth:4;", "xxabcyy"), IsEmpty());
  // depth counts from offset
  EXPECT_THAT(Payload("content:\"abc\"; offset:2; depth:3;", "xxabcyy"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"abc\"; offset:1; depth:3;", "xxabcyy"), IsEmpty());
}

TEST(ContentTest, DistanceAndWithin) {
  EXPECT_THAT(Payload("content:\"ab\"; content:\"cd\"; distance:2;", "abxxcd"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"ab\"; content:\"cd\"; distance:3;", "abxxcd"), IsEmpty());
  EXPECT_THAT(Payload("content:\"ab\"; content:\"cd\"; within:4;", "abxxcd"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"ab\"; content:\"cd\"; within:3;", "abxxcd"), IsEmpty());
  EXPECT_THAT(Payload("content:\"ab\"; content:\"cd\"; distance:1; within:3;", "abxxcd"),
              ElementsAre(1));
  EXPECT_THAT(Payload("content:\"ab\"; content:\"cd\"; distance:0;", "cdab"), IsEmpty());
  // negative distance looks back
  EXPECT_THAT(Payload("content:\"cd\"; content:\"ab\"; distance:-4; within:2;", "abcd"),
              ElementsAre(1));
}

TEST(ContentTest, RelativeMatchRetriesLaterOccurrences) {
  // The first "ab" is not followed by "cd" within 2 bytes; the second is.
  EXPECT_THAT(Payload("content:\"ab\"; content:\"cd\"; distance:0; within:2;", "ab--abcd"),
              ElementsAre(1));
}

TEST(ContentTest, StartsWithAndEndsWith) {
  EXPECT_THAT(Payload("content:\"GET\"; startswith;", "GET /"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"GET\"; startswith;", " GET /"), IsEmpty());
  EXPECT_THAT(Payload("content:\".exe\"; endswith;", "a.exe"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\".exe\"; endswith;", "a.exe?"), IsEmpty());
  EXPECT_THAT(Payload("content:\"abc\"; content:!\".exe\"; endswith;", "abc.txt"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"abc\"; content:!\".exe\"; endswith;", "abc.exe"), IsEmpty());
}

TEST(ContentTest, FastPatternForms) {
  EXPECT_THAT(Payload("content:\"abc\"; content:\"longer\"; fast_pattern;", "abc longer"),
              ElementsAre(1));
  EXPECT_THAT(Payload("content:\"abcdef\"; fast_pattern:only;", "xxabcdef"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"abcdef\"; fast_pattern:2,3;", "xxabcdef"), ElementsAre(1));
  // the chopped pattern alone is not enough: the whole content is verified
  EXPECT_THAT(Payload("content:\"abcdef\"; fast_pattern:2,3;", "xxcdexx"), IsEmpty());
}

TEST(PcreTest, FlagsAndRelative) {
  EXPECT_THAT(Payload("pcre:\"/a.c/\";", "xxabcxx"), ElementsAre(1));
  EXPECT_THAT(Payload("pcre:\"/A.C/\";", "xxabcxx"), IsEmpty());
  EXPECT_THAT(Payload("pcre:\"/A.C/i\";", "xxabcxx"), ElementsAre(1));
  EXPECT_THAT(Payload("pcre:!\"/zzz/\";", "abc"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"key=\"; pcre:\"/^[0-9]+/R\";", "key=123"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"key=\"; pcre:\"/^[0-9]+/R\";", "key=x123"), IsEmpty());
  EXPECT_THAT(Payload("pcre:\"/^a.b$/s\";", "a\nb"), ElementsAre(1));
}

TEST(PcreTest, BufferFlagSelectsHttpBuffer) {
  PacketBuilder p;
  p.in.app_proto = AppProto::kHttp;
  p.Payload("GET /admin HTTP/1.1\r\n").Buffer(BufferId::kHttpUri, "/admin");
  EXPECT_THAT(Sids(Rule("pcre:\"/^\\/admin$/U\";"), p.in), ElementsAre(1));
  EXPECT_THAT(Sids(Rule("pcre:\"/^\\/adm$/U\";"), p.in), IsEmpty());
}

// The scanner reuses one Inspection from packet to packet: a buffer the previous packet set
// and this one did not is absent (its stale view is never read) and matches nothing.
TEST(InspectionReuseTest, BufferClearedFromTheMaskReadsEmptyAndMatchesNothing) {
  PacketBuilder p;
  p.in.app_proto = AppProto::kHttp;
  p.Payload("GET /admin HTTP/1.1\r\n").Buffer(BufferId::kHttpUri, "/admin");
  const std::string rule = Rule("http.uri; content:\"/admin\";");
  EXPECT_THAT(Sids(rule, p.in), ElementsAre(1));
  p.in.present_mask = 1u << static_cast<unsigned>(BufferId::kPktData);
  EXPECT_FALSE(p.in.HasBuffer(BufferId::kHttpUri));
  EXPECT_TRUE(p.in.Buffer(BufferId::kHttpUri).empty());
  EXPECT_THAT(Sids(rule, p.in), IsEmpty());
}

TEST(ByteTestTest, BinaryAndString) {
  const std::string binary("\x00\x10\x20\x30", 4);
  EXPECT_THAT(Payload("byte_test:2,=,0x1020,1;", binary), ElementsAre(1));
  EXPECT_THAT(Payload("byte_test:2,>,0x1020,1;", binary), IsEmpty());
  EXPECT_THAT(Payload("byte_test:2,=,0x2010,1,little;", binary), ElementsAre(1));
  EXPECT_THAT(Payload("byte_test:1,&,0x20,2;", binary), ElementsAre(1));
  EXPECT_THAT(Payload("byte_test:1,!=,0x20,2;", binary), IsEmpty());
  EXPECT_THAT(Payload("byte_test:3,>,100,4,string,dec;", "len=250;"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"len=\"; byte_test:3,<,100,0,relative,string,dec;", "len=250;"),
              IsEmpty());
  EXPECT_THAT(Payload("byte_test:4,=,1,10;", binary), IsEmpty());  // past the end
}

TEST(ByteJumpTest, JumpsThenRelativeContent) {
  // length byte 3, skip 3 bytes, then "XY"
  const std::string data(
      "\x03"
      "abcXY",
      6);
  EXPECT_THAT(Payload("byte_jump:1,0; content:\"XY\"; within:2;", data), ElementsAre(1));
  EXPECT_THAT(Payload("byte_jump:1,0,multiplier 2; content:\"XY\"; within:2;", data), IsEmpty());
  EXPECT_THAT(
      Payload("byte_jump:1,0,from_beginning,post_offset 1; content:\"cX\"; within:2;", data),
      IsEmpty());
  EXPECT_THAT(Payload("byte_jump:1,0,from_beginning; content:\"cX\"; within:2;", data),
              ElementsAre(1));
}

TEST(IsDataAtTest, AbsoluteRelativeNegated) {
  EXPECT_THAT(Payload("isdataat:4;", "12345"), ElementsAre(1));
  EXPECT_THAT(Payload("isdataat:5;", "12345"), IsEmpty());
  EXPECT_THAT(Payload("content:\"12\"; isdataat:2,relative;", "12345"), ElementsAre(1));
  EXPECT_THAT(Payload("content:\"12\"; isdataat:3,relative;", "12345"), IsEmpty());
  EXPECT_THAT(Payload("content:\"45\"; isdataat:!1,relative;", "12345"), ElementsAre(1));
}

TEST(StickyBufferTest, StickyAndLegacyFormsAgree) {
  PacketBuilder p;
  p.in.app_proto = AppProto::kHttp;
  p.Payload("GET /index.php?id=1 HTTP/1.1\r\nHost: Example.com\r\n\r\n")
      .Buffer(BufferId::kHttpMethod, "GET")
      .Buffer(BufferId::kHttpUri, "/index.php?id=1")
      .Buffer(BufferId::kHttpHost, "example.com")
      .Buffer(BufferId::kHttpUserAgent, "curl/8.0");
  const std::string rules =
      "alert http any any -> any any (http.uri; content:\"/index.php\"; startswith; sid:1;)\n"
      "alert http any any -> any any (content:\"/index.php\"; http_uri; sid:2;)\n"
      "alert http any any -> any any (http.method; content:\"GET\"; http.host; "
      "content:\"example.com\"; sid:3;)\n"
      "alert http any any -> any any (content:\"curl\"; http_user_agent; sid:4;)\n"
      "alert http any any -> any any (http.uri; content:\"Host\"; sid:5;)\n"
      "alert http any any -> any any (http.cookie; content:\"a\"; sid:6;)\n"
      "alert tcp any any -> any any (content:\"Host: Example\"; sid:7;)\n";
  auto sids = Sids(rules, p.in);
  std::sort(sids.begin(), sids.end());
  EXPECT_THAT(sids, ElementsAre(1, 2, 3, 4, 7));
}

TEST(StickyBufferTest, AppLayerRulesNeedTheirProtocol) {
  PacketBuilder p;
  p.in.app_proto = AppProto::kDns;
  p.in.ip_proto = 17;
  p.in.dst_port = 53;
  p.Buffer(BufferId::kDnsQuery, "evil.example.com");
  EXPECT_THAT(Sids("alert dns any any -> any any (dns.query; content:\"evil\"; sid:1;)\n"
                   "alert udp any any -> any any (dns_query; content:\"evil\"; sid:2;)\n"
                   "alert tls any any -> any any (tls.sni; content:\"evil\"; sid:3;)\n",
                   p.in),
              ElementsAre(1, 2));
  p.in.app_proto = AppProto::kUnknown;
  EXPECT_THAT(Sids("alert dns any any -> any any (dns.query; content:\"evil\"; sid:1;)\n", p.in),
              IsEmpty());
}

TEST(StickyBufferTest, BsizeChecksBufferLength) {
  PacketBuilder p;
  p.in.app_proto = AppProto::kTls;
  p.Buffer(BufferId::kTlsSni, "abc.example");
  EXPECT_THAT(Sids(Rule("tls.sni; content:\"abc\"; bsize:11;"), p.in), ElementsAre(1));
  EXPECT_THAT(Sids(Rule("tls.sni; content:\"abc\"; bsize:>11;"), p.in), IsEmpty());
}

TEST(StreamTest, PayloadRulesUseStreamWhenPacketWasReassembled) {
  PacketBuilder p;
  p.Payload("cd-tail").Buffer(BufferId::kStream,
                              "ab"
                              "cd-tail");
  p.in.payload_in_stream = true;
  // "abcd" spans two segments: only the stream has it.
  EXPECT_THAT(Sids(Rule("content:\"abcd\";"), p.in), ElementsAre(1));
  EXPECT_THAT(Sids(Rule("content:\"abcd\"; flow:no_stream;"), p.in), IsEmpty());
  EXPECT_THAT(Sids(Rule("content:\"cd-tail\"; flow:no_stream;"), p.in), ElementsAre(1));
  EXPECT_THAT(Sids(Rule("content:\"abcd\"; flow:only_stream;"), p.in), ElementsAre(1));
  CollectingCallback callback;
  DetectEngine engine(LoadText(Rule("content:\"abcd\";")));
  engine.Inspect(p.in, callback);
  ASSERT_EQ(callback.alerts.size(), 1u);
  EXPECT_TRUE(callback.alerts[0].matched_in_stream);
  EXPECT_EQ(callback.alerts[0].buffer, BufferId::kStream);
}

}  // namespace
}  // namespace otasuke::network::detect::testing

namespace otasuke::network::detect::testing {
namespace {

// On an HTTP flow the tcp group's and the http group's payload patterns are scanned together.
TEST(StreamTest, TransportAndAppPayloadRulesBothMatchOnAppFlows) {
  const std::string rules =
      "alert tcp any any -> any any (content:\"tcp-pattern\"; sid:1;)\n"
      "alert http any any -> any any (content:\"http-pattern\"; sid:2;)\n"
      "alert http any any -> any any (content:\"only-packet\"; dsize:>0; sid:3;)\n"
      "alert tcp any any -> any any (content:\"tcp-packet\"; flow:no_stream; sid:4;)\n";
  for (PrefilterKind kind : {PrefilterKind::kDefault, PrefilterKind::kAhoCorasick}) {
    PacketBuilder p;
    p.in.app_proto = AppProto::kHttp;
    p.Payload("tcp-packet only-packet").Buffer(BufferId::kStream, "tcp-pattern http-pattern");
    p.in.payload_in_stream = true;
    EXPECT_THAT(Sids(rules, p.in, kind), ElementsAre(1, 2, 3, 4));
    p.in.app_proto = AppProto::kUnknown;
    EXPECT_THAT(Sids(rules, p.in, kind), ElementsAre(1, 4));
    p.in.app_proto = AppProto::kTls;  // TLS runs over TCP too, without payload rules here
    EXPECT_THAT(Sids(rules, p.in, kind), ElementsAre(1, 4));
  }
}

// DNS flows over UDP: the udp group's and the dns group's payload patterns, one scan; a DNS
// flow over TCP meets the tcp group's payload rules, not the udp group's.
TEST(StreamTest, TransportAndAppPayloadRulesBothMatchOnDnsFlows) {
  const std::string rules =
      "alert udp any any -> any any (content:\"udp-pattern\"; sid:1;)\n"
      "alert dns any any -> any any (content:\"dns-pattern\"; sid:2;)\n"
      "alert tcp any any -> any any (content:\"udp-pattern\"; sid:3;)\n";
  for (PrefilterKind kind : {PrefilterKind::kDefault, PrefilterKind::kAhoCorasick}) {
    PacketBuilder p;
    p.in.app_proto = AppProto::kDns;
    p.in.ip_proto = 17;
    p.Payload("udp-pattern dns-pattern");
    EXPECT_THAT(Sids(rules, p.in, kind), ElementsAre(1, 2));
    p.in.ip_proto = 6;
    EXPECT_THAT(Sids(rules, p.in, kind), ElementsAre(2, 3));
  }
}

}  // namespace
}  // namespace otasuke::network::detect::testing

namespace otasuke::network::detect::testing {
namespace {

// Packet-only payload rules (dsize, no_stream) are prefiltered over a reassembled packet's own
// payload in databases split by the payload sizes dsize accepts: every size still meets
// exactly the rules whose dsize accepts it, with either prefilter, and a packet's payload is
// scanned by one of them (a rule accepting sizes on both sides is in both).
TEST(StreamTest, PacketOnlyRulesMeetEveryPayloadSizeTheirDsizeAccepts) {
  const std::string rules =
      Rule("content:\"beacon\"; dsize:<20;", 1) + Rule("content:\"beacon\"; dsize:12;", 2) +
      Rule("content:\"beacon\"; dsize:10<>40;", 3) + Rule("content:\"beacon\"; dsize:>100;", 4) +
      Rule("content:\"beacon\"; flow:no_stream;", 5) + Rule("content:\"beacon\"; dsize:!12;", 6) +
      Rule("content:\"beacon\"; dsize:<=1024;", 7);
  struct Case {
    size_t size;
    std::vector<uint32_t> sids;
  };
  const Case cases[] = {
      {6, {1, 5, 6, 7}},    {12, {1, 2, 3, 5, 7}}, {19, {1, 3, 5, 6, 7}},
      {39, {3, 5, 6, 7}},   {40, {5, 6, 7}},       {101, {4, 5, 6, 7}},
      {1024, {4, 5, 6, 7}}, {1025, {4, 5, 6}},     {60000, {4, 5, 6}},
  };
  for (PrefilterKind kind : {PrefilterKind::kDefault, PrefilterKind::kAhoCorasick}) {
    DetectEngine engine(LoadText(rules, kind));
    for (const Case& c : cases) {
      PacketBuilder p;
      std::string payload = "beacon";
      payload.resize(c.size, '.');
      // The stream chunk does not hold the pattern: only the packet-only databases find it.
      p.Payload(payload).Buffer(BufferId::kStream, "other bytes");
      p.in.payload_in_stream = true;
      const uint64_t scans = engine.stats().prefilter_scans;
      EXPECT_EQ(InspectSids(engine, p.in), c.sids) << "payload " << c.size;
      // The stream chunk and one packet-only database.
      EXPECT_EQ(engine.stats().prefilter_scans - scans, 2u) << "payload " << c.size;
    }
  }
}

// A further transaction of the same packet evaluates app-layer rules only: payload rules do
// not fire again, payload rules with an app-layer buffer still can.
TEST(StreamTest, TransactionOnlyInspectionEvaluatesAppLayerRulesOnly) {
  const std::string rules =
      "alert tcp any any -> any any (content:\"pay\"; sid:1;)\n"
      "alert tcp any any -> any any (content:\"pay\"; dsize:<100; sid:2;)\n"
      "alert http any any -> any any (content:\"pay\"; http.uri; content:\"/x\"; sid:3;)\n"
      "alert http any any -> any any (content:\"pay\"; dsize:<100; http.uri; content:\"/x\"; "
      "sid:4;)\n";
  for (PrefilterKind kind : {PrefilterKind::kDefault, PrefilterKind::kAhoCorasick}) {
    DetectEngine engine(LoadText(rules, kind));
    PacketBuilder p;
    p.in.app_proto = AppProto::kHttp;
    p.in.tx_id = 1;
    p.Payload("pay").Buffer(BufferId::kStream, "pay").Buffer(BufferId::kHttpUri, "/x");
    p.in.payload_in_stream = true;
    EXPECT_THAT(InspectSids(engine, p.in), ElementsAre(1, 2, 3, 4));
    p.in.tx_only = true;
    p.in.tx_id = 2;
    EXPECT_THAT(InspectSids(engine, p.in), ElementsAre(3, 4));
  }
}

// http.request_body is a to-server buffer (Suricata registers http_client_body to server
// only): its rules are not in to-client groups, whatever a caller puts in the buffer.
TEST(StickyBufferTest, RequestBodyIsInspectedToServerOnly) {
  const std::string rules =
      "alert http any any -> any any (http.request_body; content:\"secret\"; sid:1;)\n"
      "alert http any any -> any any (http.response_body; content:\"secret\"; sid:2;)\n";
  for (Direction direction : {Direction::kToServer, Direction::kToClient}) {
    PacketBuilder p;
    p.in.app_proto = AppProto::kHttp;
    p.in.direction = direction;
    p.Buffer(BufferId::kHttpRequestBody, "a secret");
    EXPECT_EQ(Sids(rules, p.in), direction == Direction::kToServer ? std::vector<uint32_t>{1}
                                                                   : std::vector<uint32_t>{});
  }
}

// FindPattern against a naive search: the first position in [from, to), exact or caseless (a
// caseless needle is lower-case; its first byte may be a letter or not), over random bytes.
TEST(FindPatternTest, FindsTheFirstPositionANaiveSearchFinds) {
  std::mt19937 rng(3);
  const std::string alphabet("aAbB\x00\x01\xff", 7);
  auto random_bytes = [&](size_t length) {
    std::string s;
    for (size_t i = 0; i < length; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    return s;
  };
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  for (int round = 0; round < 3000; ++round) {
    const std::string haystack = random_bytes(rng() % 40);
    const bool nocase = rng() % 2 == 0;
    std::string needle = random_bytes(1 + rng() % 3);
    if (nocase) {
      for (char& c : needle) c = lower(c);
    }
    const size_t from = haystack.empty() ? 0 : rng() % (haystack.size() + 1);
    const size_t to = from + rng() % (haystack.size() + 2 - from);
    int64_t expected = -1;
    for (size_t i = from; expected < 0 && i + needle.size() <= std::min(to, haystack.size()); ++i) {
      bool same = true;
      for (size_t k = 0; k < needle.size() && same; ++k) {
        same = (nocase ? lower(haystack[i + k]) : haystack[i + k]) == needle[k];
      }
      if (same) expected = static_cast<int64_t>(i);
    }
    const std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(haystack.data()),
                                        haystack.size());
    ASSERT_EQ(FindPattern(data, from, to, needle, nocase), expected)
        << "round " << round << " nocase " << nocase;
  }
}

}  // namespace
}  // namespace otasuke::network::detect::testing
