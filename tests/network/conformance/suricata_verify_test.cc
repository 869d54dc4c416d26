// Runs the shared suricata-verify subset through the network engine. Prints PASS / FAIL /
// SKIP per test and a total; fails on any failure not listed (with its cause) in
// known_failures.txt and when fewer than a floor of tests pass.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "tests/network/conformance/sv_runner.h"
#include "tests/network/packet/packet_builder.h"

namespace otasuke::network::conformance {
namespace {

namespace fs = std::filesystem;

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

std::map<std::string, std::string> KnownFailures() {
  std::map<std::string, std::string> out;
  const fs::path path = fs::path(EnvOr("OTASUKE_SOURCE_DIR", ".")) / "tests" / "network" /
                        "conformance" / "known_failures.txt";
  std::ifstream in(path);
  // Without the list every known failure would be reported as unlisted, which reads as a
  // regression: say instead that the list was not found (ctest sets OTASUKE_SOURCE_DIR).
  if (!in) {
    ADD_FAILURE() << "cannot read " << path
                  << " (set OTASUKE_SOURCE_DIR to the source tree, as ctest does)";
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    out[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
  }
  return out;
}

TEST(SuricataVerifyTest, MatchSemantics) {
  const nlohmann::json event = nlohmann::json::parse(
      R"({"event_type":"alert","src_port":80,"alert":{"signature_id":7,"signature":"ET x"},)"
      R"("traffic":{"id":["mozilla"]}})");
  EXPECT_TRUE(EventMatches(event, {{"event_type", "alert"}, {"alert.signature_id", 7}}));
  EXPECT_FALSE(EventMatches(event, {{"alert.signature_id", 8}}));
  EXPECT_TRUE(EventMatches(event, {{"traffic.id[0]", "mozilla"}}));
  EXPECT_FALSE(EventMatches(event, {{"traffic.id[1]", "mozilla"}}));
  EXPECT_TRUE(EventMatches(event, {{"src_port__gt", 79}, {"src_port__lt", 81}}));
  EXPECT_TRUE(EventMatches(event, {{"alert.signature__contains", "ET"}}));
  EXPECT_TRUE(EventMatches(event, {{"not-has-key", "pcap_cnt"}}));
  EXPECT_FALSE(EventMatches(event, {{"has-key", "pcap_cnt"}}));
  EXPECT_FALSE(EventMatches(event, {{"missing.key", 1}}));
}

// A suricata-verify style test directory the test writes: a TLS session whose encrypted
// records hold the content rule 2 looks for, run with the encryption handling set as
// suricata-verify's `args` set it.
TestResult RunTlsEncryptionTest(const std::string& setting, int expected_alerts) {
  const fs::path root = fs::path(testing::TempPath("sv-root"));
  fs::create_directories(root / "_etc");
  fs::create_directories(root / "tls-encryption");
  std::ofstream(root / "_etc" / "default-vars.yaml")
      << "vars:\n  address-groups:\n    HOME_NET: \"any\"\n    EXTERNAL_NET: \"any\"\n";
  std::ofstream(root / "_etc" / "classification.config") << "";
  std::ofstream(root / "tls-encryption" / "test.rules")
      << "alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\"c2.example\"; sid:1;)\n"
      << "alert tcp any any -> any any (msg:\"secret\"; flow:established,to_server; "
         "content:\"SECRET-COMMAND\"; sid:2;)\n";
  std::ofstream(root / "tls-encryption" / "test.yaml")
      << "args:\n  - --set " << setting << "\nchecks:\n"
      << "  - filter:\n      count: 1\n      match:\n        alert.signature_id: 1\n"
      << "  - filter:\n      count: " << expected_alerts
      << "\n      match:\n        alert.signature_id: 2\n";
  testing::WritePcap((root / "tls-encryption" / "test.pcap").string(),
                     testing::TlsSessionWithApplicationData("c2.example.com", "SECRET-COMMAND"));
  IndexEntry entry;
  entry.test = "tls-encryption";
  entry.pcap = "tls-encryption/test.pcap";
  entry.rules = "tls-encryption/test.rules";
  return RunTest(root.string(), entry);
}

TEST(SuricataVerifyTest, TlsEncryptionHandlingSetting) {
  TestResult full = RunTlsEncryptionTest("app-layer.protocols.tls.encryption-handling=full", 2);
  EXPECT_EQ(full.outcome, Outcome::kPass) << full.reason;
  TestResult standard =
      RunTlsEncryptionTest("app-layer.protocols.tls.encryption-handling=default", 0);
  EXPECT_EQ(standard.outcome, Outcome::kPass) << standard.reason;
  TestResult bad = RunTlsEncryptionTest("app-layer.protocols.tls.encryption-handling=off", 0);
  EXPECT_EQ(bad.outcome, Outcome::kSkip);
  EXPECT_EQ(bad.reason, "engine option --set app-layer.protocols.tls.encryption-handling=off");
}

TEST(SuricataVerifyTest, SharedSubset) {
  const fs::path root =
      fs::path(EnvOr("OTASUKE_SHARED_DIR", "../shared")) / "conformance" / "suricata-verify";
  if (!fs::exists(root / "INDEX.tsv")) {
    GTEST_SKIP() << "suricata-verify data not found at " << root
                 << " (set OTASUKE_SHARED_DIR to the shared/ directory)";
  }
  auto index = ReadIndex((root / "INDEX.tsv").string());
  ASSERT_TRUE(index.ok()) << index.status();
  const std::map<std::string, std::string> known = KnownFailures();
  int pass = 0, fail = 0, skip = 0;
  std::vector<std::string> unexpected;
  const fs::path report = fs::path(EnvOr("OTASUKE_BINARY_DIR", fs::temp_directory_path().c_str())) /
                          "suricata_verify_report.txt";
  std::ofstream out(report);
  for (const IndexEntry& entry : *index) {
    const TestResult r = RunTest(root.string(), entry);
    const char* label = r.outcome == Outcome::kPass   ? "PASS"
                        : r.outcome == Outcome::kFail ? "FAIL"
                                                      : "SKIP";
    std::printf("%s %s%s%s\n", label, r.test.c_str(), r.reason.empty() ? "" : ": ",
                r.reason.c_str());
    out << label << " " << r.test << (r.reason.empty() ? "" : ": ") << r.reason << "\n";
    if (r.outcome == Outcome::kPass) ++pass;
    if (r.outcome == Outcome::kSkip) ++skip;
    if (r.outcome == Outcome::kFail) {
      ++fail;
      for (const std::string& line : r.eve) out << "    " << line << "\n";
      if (known.count(r.test) == 0) unexpected.push_back(r.test + ": " + r.reason);
    }
  }
  const int applicable = pass + fail;
  std::printf("suricata-verify: %d passed, %d failed, %d skipped; %.1f%% of %d applicable\n", pass,
              fail, skip, applicable > 0 ? 100.0 * pass / applicable : 0.0, applicable);
  // Every failure must be listed with its cause, and the pass count must not fall below the
  // figure docs/NETWORK.md reports.
  for (const std::string& u : unexpected) std::printf("UNLISTED FAILURE %s\n", u.c_str());
  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << " failure(s) not in known_failures.txt";
  constexpr int kMinimumPasses = 57;
  EXPECT_GE(pass, kMinimumPasses) << "suricata-verify regressed";
}

}  // namespace
}  // namespace otasuke::network::conformance
