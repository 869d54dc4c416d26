// The EVE alert line writer: EveTimestamp against gmtime_r, and ToEveJson's whole text for
// events with every optional object, as the nlohmann ordered_json tree wrote it. The JSON
// writer and its strings are tested in tests/common/json_writer_test.cc.

#include <climits>
#include <cstdint>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "agent/network/scan/alert_event.h"
#include "gtest/gtest.h"
#include "tests/network/scan/eve_sample_events.h"

namespace otasuke::network {
namespace {

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
