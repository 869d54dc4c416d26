// `scan-events` end to end: rule and event files on disk, alert JSON lines out, exit codes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/event/field_docs.h"
#include "agent/sigma/scan_events_command.h"

namespace otasuke::agent::sigma {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ScanEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("otasuke-scan-events-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "rules");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), "scan-events");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    ::testing::internal::CaptureStderr();
    const int rc = RunScanEvents(static_cast<int>(argv.size()), argv.data());
    stderr_ = ::testing::internal::GetCapturedStderr();
    return rc;
  }
  std::vector<nlohmann::json> Alerts(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  fs::path dir_;
  std::string stderr_;
};

constexpr char kRule[] = R"(title: Shadow copies deleted
id: 11111111-2222-3333-4444-555555555555
level: critical
tags: [attack.impact, attack.t1490]
logsource: {product: windows, category: process_creation}
detection:
  sel:
    Image|endswith: '\vssadmin.exe'
    CommandLine|contains|all: [delete, shadows]
  condition: sel
)";

constexpr char kEvents[] =
    R"({"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\Windows\\System32\\vssadmin.exe","CommandLine":"vssadmin delete shadows /all /quiet"}}})"
    "\n"
    R"({"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\Windows\\System32\\vssadmin.exe","CommandLine":"vssadmin list shadows"}}})"
    "\n";

TEST_F(ScanEventsTest, WritesOneJsonLinePerAlert) {
  Write("rules/r.yml", kRule);
  const std::string events = Write("events.json", kEvents);
  const std::string alerts = (dir_ / "alerts.jsonl").string();
  ASSERT_EQ(Run({"--rules", (dir_ / "rules").string(), "--alerts", alerts, events}), 0) << stderr_;
  auto lines = Alerts(alerts);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["rule"]["id"], "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(lines[0]["rule"]["title"], "Shadow copies deleted");
  EXPECT_EQ(lines[0]["rule"]["level"], "critical");
  EXPECT_EQ(lines[0]["rule"]["tags"][1], "attack.t1490");
  EXPECT_EQ(lines[0]["logsource"]["category"], "process_creation");
  EXPECT_EQ(lines[0]["logsource"]["service"], "sysmon");
  EXPECT_EQ(lines[0]["event"]["CommandLine"], "vssadmin delete shadows /all /quiet");
  EXPECT_THAT(stderr_, HasSubstr("2 event(s) (evtx-json 2)"));
  EXPECT_THAT(stderr_, HasSubstr("1 alert(s) from 1 rule(s)"));
}

TEST_F(ScanEventsTest, CorrelationAcrossEvents) {
  Write("rules/r.yml", std::string(kRule) + R"(---
title: Repeated shadow deletion
id: corr-1
name: repeated
level: high
correlation:
  type: event_count
  rules: [11111111-2222-3333-4444-555555555555]
  group-by: [Computer]
  timespan: 10m
  condition: {gte: 2}
)");
  std::string two = std::string(kEvents).substr(0, std::string(kEvents).find('\n') + 1);
  const std::string events = Write("events.json", two + two);
  const std::string alerts = (dir_ / "alerts.jsonl").string();
  ASSERT_EQ(Run({"--rules", (dir_ / "rules").string(), "--alerts", alerts, events}), 0) << stderr_;
  auto lines = Alerts(alerts);
  // The base rule feeds the correlation only (no `generate: true`): one correlation alert.
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["rule"]["id"], "corr-1");
  EXPECT_EQ(lines[0]["correlation"]["type"], "event_count");
  EXPECT_EQ(lines[0]["correlation"]["count"], 2);
}

TEST_F(ScanEventsTest, UnreadableInputAndBadUsageFailClearly) {
  Write("rules/r.yml", kRule);
  const std::string rules = (dir_ / "rules").string();
  EXPECT_EQ(Run({"--rules", rules, (dir_ / "missing.json").string()}), 1);
  EXPECT_THAT(stderr_, HasSubstr("missing.json: cannot open"));
  EXPECT_EQ(Run({"--rules", rules, Write("bin.evtx", std::string("ElfFile\0\1", 9))}), 1);
  EXPECT_THAT(stderr_, HasSubstr("no readable events"));
  EXPECT_EQ(Run({"--rules", (dir_ / "norules").string(), Write("e.json", kEvents)}), 1);
  EXPECT_THAT(stderr_, HasSubstr("no such file"));
  EXPECT_EQ(Run({Write("e2.json", kEvents)}), 2);
  EXPECT_THAT(stderr_, HasSubstr("no --rules"));
  EXPECT_EQ(Run({"--bogus", "x"}), 2);
  Write("rules/bad.yml", "title: [broken\n");
  EXPECT_EQ(Run({"--rules", rules, "--strict", Write("e3.json", kEvents)}), 1);
  EXPECT_THAT(stderr_, HasSubstr("strict"));
  EXPECT_EQ(
      Run({"--rules", rules, "--alerts", (dir_ / "a.jsonl").string(), Write("e4.json", kEvents)}),
      0);
  EXPECT_THAT(stderr_, HasSubstr("bad.yml:2: rule -: yaml-syntax"));
}

TEST(FieldDocs, DocsFieldsMdMatchesTheDescriptorTable) {
  const char* src = std::getenv("OTASUKE_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  const std::string path = std::string(src) + "/docs/FIELDS.md";
  if (std::getenv("OTASUKE_UPDATE_DOCS") != nullptr) std::ofstream(path) << FieldsMarkdown();
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), FieldsMarkdown())
      << "docs/FIELDS.md is stale: rerun this test with OTASUKE_UPDATE_DOCS=1";
  const std::string text = FieldListText();
  EXPECT_THAT(text, HasSubstr("CommandLine"));
  EXPECT_THAT(text, HasSubstr("DestinationIp"));
}

}  // namespace
}  // namespace otasuke::agent::sigma
