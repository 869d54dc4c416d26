// Bad traffic.json specs give a clear error naming the file and the item, never a crash.

#include "tests/rules/traffic_fixture.h"

#include <fstream>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::rules_test {
namespace {

std::string ErrorFor(const std::string& spec) {
  testing::TempDir tmp;
  const std::string path = tmp.path() + "/traffic.json";
  std::ofstream(path) << spec;
  absl::Status st = WriteTrafficPcap(path, tmp.path() + "/out.pcap");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("traffic.json"), absl::string_view::npos) << st;
  return std::string(st.message());
}

TEST(TrafficFixtureTest, BadSpecsNameFileAndItem) {
  EXPECT_NE(ErrorFor("{").find("packets[0]"), std::string::npos);
  EXPECT_NE(ErrorFor(R"({"packets": [{"udp": {"src": "10.0.0.1", "dst": "10.0.0.2", "sport": 1,
                          "dport": 2, "payload": "x"}}, {"icmp_flood": {}}]})")
                .find("packets[1]: unknown item 'icmp_flood'"),
            std::string::npos);
  EXPECT_NE(ErrorFor(R"({"packets": [{"dns_query": {"src": "10.0.0.1"}}]})").find("packets[0]"),
            std::string::npos);
  EXPECT_NE(ErrorFor(R"({"packets": [{"udp": {}, "dns_query": {}}]})")
                .find("expected an object with one key"),
            std::string::npos);
  EXPECT_NE(ErrorFor(R"({"packets": [{"udp": {"src": "10.0.0.1", "dst": "10.0.0.2", "sport": -1,
                          "dport": 2, "payload": "x"}}]})")
                .find("packets[0]"),
            std::string::npos);
  EXPECT_NE(ErrorFor(R"({"packets": [{"tcp_session": {"src": "10.0.0.1", "dst": "10.0.0.999",
                          "sport": 1, "dport": 2, "client": "", "server": ""}}]})")
                .find("'dst' = '10.0.0.999' is not an IP address"),
            std::string::npos);
  EXPECT_NE(ErrorFor(R"({"packets": [{"syn_fanout": {"src": "10.0.0.1", "dst_prefix": "10.0.0.",
                          "first": 250, "count": 10, "dport": 445}}]})")
                .find("not an IP address"),
            std::string::npos);
}

TEST(TrafficFixtureTest, MissingFileIsNotFound) {
  absl::Status st = WriteTrafficPcap("/nonexistent/traffic.json", "/tmp/x.pcap");
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace otasuke::rules_test
