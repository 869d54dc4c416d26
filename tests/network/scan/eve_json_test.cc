// The EVE alert line writer: JsonWriter's strings against nlohmann's dump (the writer it
// replaced) on random bytes, the writer's commas and nesting, EveTimestamp against gmtime_r,
// and ToEveJson's whole text for events with every optional object, as the nlohmann
// ordered_json tree wrote it.

#include <climits>
#include <cstdint>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agent/network/scan/alert_event.h"
#include "agent/network/scan/json_writer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/network/scan/eve_sample_events.h"

namespace otasuke::network {
namespace {

std::string NlohmannDump(const std::string& value) {
  return nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WriterString(const std::string& value) {
  std::string out;
  AppendJsonString(value, &out);
  return out;
}

// Appends one piece of a random string: plain ASCII, an escaped byte, a control byte, a valid
// 2-, 3- or 4-byte UTF-8 sequence, or a byte or sequence that is not valid UTF-8.
void AppendRandomPiece(std::mt19937& rng, std::string* s) {
  auto byte = [&](int lo, int hi) {
    return static_cast<char>(std::uniform_int_distribution<int>(lo, hi)(rng));
  };
  switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
    case 0:
    case 1:
    case 2:
      s->push_back(byte(0x20, 0x7f));
      break;
    case 3:
      s->push_back("\"\\\b\f\n\r\t"[std::uniform_int_distribution<int>(0, 6)(rng)]);
      break;
    case 4:
      s->push_back(byte(0x00, 0x1f));
      break;
    case 5:
      s->push_back(byte(0xc2, 0xdf));
      s->push_back(byte(0x80, 0xbf));
      break;
    case 6:
      s->push_back(byte(0xe1, 0xec));
      s->push_back(byte(0x80, 0xbf));
      s->push_back(byte(0x80, 0xbf));
      break;
    case 7:
      s->push_back(byte(0xf1, 0xf3));
      s->push_back(byte(0x80, 0xbf));
      s->push_back(byte(0x80, 0xbf));
      s->push_back(byte(0x80, 0xbf));
      break;
    case 8:  // any byte of the upper half: stray continuations, overlongs, surrogates, 0xff
      s->push_back(byte(0x80, 0xff));
      break;
    default:  // a truncated sequence
      s->push_back(byte(0xe0, 0xf4));
      s->push_back(byte(0x80, 0xbf));
      break;
  }
}

TEST(JsonWriterTest, StringsAreNlohmannDumpWithReplaceOnRandomBytes) {
  std::mt19937 rng(20261123);
  for (int round = 0; round < 20'000; ++round) {
    std::string value;
    const int pieces = std::uniform_int_distribution<int>(0, 24)(rng);
    // A third of the strings stay ASCII, the path of almost every EVE string.
    const bool ascii_only = round % 3 == 0;
    for (int i = 0; i < pieces; ++i) {
      AppendRandomPiece(rng, &value);
      if (ascii_only && static_cast<unsigned char>(value.back()) >= 0x80) value.back() = 'x';
    }
    ASSERT_EQ(WriterString(value), NlohmannDump(value)) << absl::CEscape(value);
  }
}

TEST(JsonWriterTest, StringsAreNlohmannDumpOnEveryByte) {
  for (int c = 0; c < 256; ++c) {
    const std::string value = absl::StrCat("a", std::string(1, static_cast<char>(c)), "b");
    EXPECT_EQ(WriterString(value), NlohmannDump(value)) << c;
  }
  EXPECT_EQ(WriterString(""), "\"\"");
  EXPECT_EQ(WriterString("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
}

TEST(JsonWriterTest, StringAppendsAfterWhatIsThere) {
  std::string out = "line1\n";
  AppendJsonString("caf\xc3\xa9\xff", &out);  // the nlohmann path must not drop the prefix
  EXPECT_EQ(out, "line1\n\"caf\xc3\xa9\xef\xbf\xbd\"");
}

TEST(JsonWriterTest, CommasAndNesting) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a").Uint(18'446'744'073'709'551'615ULL);
  w.Key("b").Int(INT64_MIN);
  w.Key("c").BeginArray().EndArray();
  w.Key("d").BeginObject().EndObject();
  w.Key("e").BeginArray().String("x").BeginObject().Key("k").Null().EndObject().Int(-1).EndArray();
  w.Key("f\n").String("g");
  w.EndObject();
  EXPECT_EQ(out,
            "{\"a\":18446744073709551615,\"b\":-9223372036854775808,\"c\":[],\"d\":{},"
            "\"e\":[\"x\",{\"k\":null},-1],\"f\\n\":\"g\"}");
  EXPECT_EQ(nlohmann::ordered_json::parse(out).dump(), out);
}

// EveTimestamp as it was written before the hand-formatted path.
std::string GmtimeTimestamp(int64_t ts_usec) {
  const time_t secs = static_cast<time_t>(ts_usec / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%06d+0000", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         ts_usec % 1'000'000);
}

TEST(EveTimestampTest, SameAsGmtime) {
  const std::vector<int64_t> edges = {0,
                                      1,
                                      999'999,
                                      951'782'400'000'000,      // 2000-02-29
                                      4'107'542'400'000'000,    // 2100-03-01
                                      253'402'300'799'999'999,  // last microsecond of 9999
                                      253'402'300'800'000'000,  // year 10000: gmtime path
                                      -1,
                                      -1'000'001,
                                      INT64_MAX};
  for (int64_t ts : edges) EXPECT_EQ(EveTimestamp(ts), GmtimeTimestamp(ts)) << ts;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> any(0, 253'402'300'799'999'999);
  for (int i = 0; i < 100'000; ++i) {
    const int64_t ts = any(rng);
    ASSERT_EQ(EveTimestamp(ts), GmtimeTimestamp(ts)) << ts;
  }
}

// ToEveJson's text for testing::SampleAlertEvents(), as the nlohmann::ordered_json writer
// produced it (dump(-1, ' ', false, replace)); the second event has every optional object.
const char* const kExpectedEve[] = {
    "{\"timestamp\":\"2023-11-14T22:13:20.000001+0000\",\"pcap_cnt\":7,\"event_type\":\"ale"
    "rt\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"ip_v\":4,\"proto\":\"ICMP\",\""
    "icmp_type\":8,\"icmp_code\":0,\"pkt_src\":\"wire/pcap\",\"alert\":{\"action\":\"allowe"
    "d\",\"gid\":1,\"signature_id\":1,\"rev\":2,\"signature\":\"ping\",\"category\":\"\",\""
    "severity\":3},\"stream\":0}",
    "{\"timestamp\":\"2000-02-29T00:00:00.123456+0000\",\"flow_id\":18446744073709551615,\""
    "pcap_cnt\":12345678901,\"event_type\":\"alert\",\"src_ip\":\"2001:0db8:0000:0000:0000:"
    "0000:0000:0001\",\"src_port\":65535,\"dest_ip\":\"2001:0db8:0000:0000:0000:0000:0000:0"
    "002\",\"dest_port\":80,\"ip_v\":6,\"proto\":\"TCP\",\"pkt_src\":\"tunnel source\",\"tu"
    "nnel\":{\"src_ip\":\"192.168.1.1\",\"src_port\":4789,\"dest_ip\":\"192.168.1.2\",\"des"
    "t_port\":4789,\"proto\":\"UDP\",\"depth\":0},\"community_id\":\"1:abcdefghijABCDEFGHIJ"
    "0123456=\",\"ether\":{\"src_mac\":\"00:1b:21:ab:cd:ef\",\"dest_mac\":\"ff:ff:ff:ff:ff:"
    "ff\"},\"app_proto\":\"http\",\"direction\":\"to_server\",\"alert\":{\"action\":\"block"
    "ed\",\"gid\":1,\"signature_id\":2019401,\"rev\":12,\"signature\":\"ET \\\"quoted\\\" b"
    "ack\\\\slash\\ttab\\u0001\\u001f\x7f caf\xc3\xa9 \xe2\x82\xac\",\"category\":\"A Netwo"
    "rk Trojan was detected\",\"severity\":1,\"metadata\":{\"affected_product\":[\"Windows"
    "\",\"Linux\"],\"created_at\":[\"2019_01_01\"],\"tag\":[\"bad\xef\xbf\xbd\xef\xbf\xbdut"
    "f8\"]}},\"http\":{\"hostname\":\"www.example.com\",\"url\":\"/a?b=c&d=\\\"e\\\"\\r\\n"
    "\",\"http_user_agent\":\"Mozilla/5.0 \xf0\x9f\x98\x80\",\"http_content_type\":\"text/h"
    "tml\",\"http_refer\":\"http://ref.example/\",\"http_method\":\"GET\",\"protocol\":\"HT"
    "TP/1.1\",\"status\":200,\"length\":4096},\"dns\":{\"query\":[{\"type\":\"answer\",\"id"
    "\":4660,\"rrname\":\"evil.example\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\",\"tx_id\":9"
    "}]},\"tls\":{\"sni\":\"sni.example\",\"version\":\"TLS 1.2\",\"ja3\":{\"hash\":\"e7d70"
    "5a3286e19ea42f587b344ee6865\",\"string\":\"771,4865-4866,0-23,29-23,0\"}},\"flow\":{\""
    "pkts_toserver\":3,\"pkts_toclient\":2,\"bytes_toserver\":1500,\"bytes_toclient\":98765"
    ",\"start\":\"2000-02-28T23:59:59.999999+0000\"},\"stream\":1,\"packet\":\"AAEC/yBoZWxs"
    "bw==\",\"packet_info\":{\"linktype\":1},\"verdict\":{\"action\":\"drop\",\"reject-targ"
    "et\":\"to_client\",\"reject\":[\"tcp-reset\",\"icmp-prohib\"]}}",
    "{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\",\"flow_id\":1,\"event_type\":\"aler"
    "t\",\"src_ip\":\"1.2.3.4\",\"src_port\":0,\"dest_ip\":\"5.6.7.8\",\"dest_port\":53,\"i"
    "p_v\":4,\"proto\":\"UDP\",\"pkt_src\":\"stream (flow timeout)\",\"tunnel\":{\"src_ip\""
    ":\"9.9.9.9\",\"dest_ip\":\"8.8.8.8\",\"proto\":\"GRE\",\"depth\":0},\"alert\":{\"actio"
    "n\":\"allowed\",\"gid\":1,\"signature_id\":3,\"rev\":0,\"signature\":\"\",\"category\""
    ":\"\",\"severity\":-1},\"http\":{\"length\":0},\"dns\":{\"query\":[{\"type\":\"query\""
    ",\"id\":1,\"tx_id\":0}]},\"tls\":null,\"flow\":{\"pkts_toserver\":0,\"pkts_toclient\":"
    "0,\"bytes_toserver\":0,\"bytes_toclient\":0,\"start\":\"9999-12-31T23:59:59.999999+000"
    "0\"},\"stream\":0,\"verdict\":{\"action\":\"pass\"}}"};

TEST(EveJsonTest, SameTextAsTheNlohmannTree) {
  const std::vector<AlertEvent> events = testing::SampleAlertEvents();
  ASSERT_EQ(events.size(), std::size(kExpectedEve));
  std::string reused = "previous line";
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(ToEveJson(events[i]), kExpectedEve[i]) << i;
    reused.clear();
    AppendEveJson(events[i], &reused);
    EXPECT_EQ(reused, kExpectedEve[i]) << i;
  }
}

}  // namespace
}  // namespace otasuke::network
