// The SME rule pack (rules/): every rule loads strictly and carries its severity, ATT&CK tags
// and Japanese + English texts for the owner; every fixture case under tests/rules/cases/
// produces exactly the alerts its expected.json lists (events.jsonl through the Sigma engine,
// traffic.json -> generated pcap through the network scanner); every rule has a case that
// fires it (correlations included); the IOC list and its Suricata rules agree entry for entry.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "agent/event/readers/event_reader.h"
#include "agent/network/detect/engine.h"
#include "agent/network/scan/network_scanner.h"
#include "agent/network/scan/pcap_scan.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/correlation.h"
#include "agent/sigma/engine.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/rules/traffic_fixture.h"
#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"
#include "yaml-cpp/yaml.h"

namespace otasuke::rules_test {
namespace {

namespace fs = std::filesystem;
using Counts = std::map<std::string, int>;

constexpr uint32_t kFirstPackSid = 9'100'000;
constexpr uint32_t kLastPackSid = 9'199'999;

fs::path PackDir() { return fs::path(testing::SourceDir()) / "rules"; }
fs::path CasesDir() { return fs::path(testing::SourceDir()) / "tests/rules/cases"; }

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t CountFiles(const fs::path& dir, const std::set<std::string>& extensions) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    n += entry.is_regular_file() && extensions.count(entry.path().extension().string()) > 0;
  }
  return n;
}

// The pack's Sigma rules, compiled strictly (any rejected rule fails the load).
const agent::sigma::CompileResult& SigmaPack() {
  static const agent::sigma::CompileResult* const pack = [] {
    auto files = agent::sigma::ReadRuleFiles({(PackDir() / "sigma").string()});
    EXPECT_TRUE(files.ok()) << files.status();
    auto compiled =
        agent::sigma::CompileSigmaRules(files.ok() ? *files : std::vector<agent::sigma::RuleFile>{},
                                        {.strict = true, .ruleset_version = "pack"});
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    return compiled.ok() ? new agent::sigma::CompileResult(*std::move(compiled))
                         : new agent::sigma::CompileResult();
  }();
  return *pack;
}

const network::detect::LoadedRules& SuricataPack() {
  static const network::detect::LoadedRules* const pack = [] {
    network::detect::LoadOptions options;
    options.rule_paths = {(PackDir() / "suricata").string()};
    options.strict = true;
    auto loaded = network::detect::LoadRules(options);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? new network::detect::LoadedRules(*std::move(loaded))
                       : new network::detect::LoadedRules();
  }();
  return *pack;
}

std::string SidKey(uint32_t sid) { return absl::StrCat("sid:", sid); }

TEST(RulePackTest, EverySigmaRuleLoadsStrictlyWithSmeTexts) {
  const auto& pack = SigmaPack();
  ASSERT_NE(pack.rules, nullptr);
  for (const auto& e : pack.report.errors) ADD_FAILURE() << e.ToString();
  for (const auto& w : pack.report.warnings) ADD_FAILURE() << "warning: " << w.ToString();
  const size_t files = CountFiles(PackDir() / "sigma", {".yml", ".yaml"});
  EXPECT_EQ(pack.report.rules_loaded + pack.report.correlations_loaded, files)
      << "one rule per file, none skipped";
  std::vector<const agent::sigma::RuleMeta*> metas;
  for (const auto& rule : pack.rules->rules()) metas.push_back(&rule.meta);
  for (const auto& correlation : pack.rules->correlations()) metas.push_back(&correlation.meta);
  ASSERT_EQ(metas.size(), files);
  std::set<std::string> ids;
  for (const agent::sigma::RuleMeta* meta : metas) {
    const auto& m = *meta;
    SCOPED_TRACE(m.file);
    EXPECT_TRUE(ids.insert(m.id).second) << "duplicate id " << m.id;
    EXPECT_TRUE(m.level == "low" || m.level == "medium" || m.level == "high" ||
                m.level == "critical")
        << "level '" << m.level << "'";
    EXPECT_FALSE(m.mitre.empty()) << "no attack.tNNNN tag";
    EXPECT_FALSE(m.explanation.ja().empty()) << "otasuke.explanation.ja";
    EXPECT_FALSE(m.explanation.en().empty()) << "otasuke.explanation.en";
    EXPECT_FALSE(m.next_step.ja().empty()) << "otasuke.next_step.ja";
    EXPECT_FALSE(m.next_step.en().empty()) << "otasuke.next_step.en";
  }
}

TEST(RulePackTest, EverySuricataRuleLoadsStrictlyWithSidecarTexts) {
  const auto& pack = SuricataPack();
  ASSERT_NE(pack.rules, nullptr);
  EXPECT_EQ(pack.report.skipped, 0u) << pack.report.Summary();
  ASSERT_GT(network::detect::RuleCount(*pack.rules), 0u);

  const fs::path sidecar_path = PackDir() / "suricata/explanations.yaml";
  YAML::Node sidecar;
  try {
    sidecar = YAML::LoadFile(sidecar_path.string());
  } catch (const YAML::Exception& e) {
    FAIL() << sidecar_path << ": " << e.what();
  }
  std::set<uint32_t> sids;
  for (size_t i = 0; i < network::detect::RuleCount(*pack.rules); ++i) {
    const auto& info = network::detect::RuleAt(*pack.rules, i);
    SCOPED_TRACE(absl::StrCat(info.source_file, ":", info.source_line, " sid ", info.sid));
    EXPECT_TRUE(sids.insert(info.sid).second) << "duplicate sid";
    EXPECT_GE(info.sid, kFirstPackSid);
    EXPECT_LE(info.sid, kLastPackSid);
    EXPECT_TRUE(absl::StartsWith(info.msg, "OTASUKE ")) << info.msg;
    EXPECT_LE(info.priority, 2) << "pack rules state their priority";
    bool has_mitre = false;
    bool has_severity = false;
    for (const auto& [key, value] : info.metadata) {
      has_mitre |= key == "mitre_technique_id" && absl::StartsWith(value, "T");
      has_severity |= key == "otasuke_severity" && !value.empty();
    }
    EXPECT_TRUE(has_mitre) << "metadata mitre_technique_id";
    EXPECT_TRUE(has_severity) << "metadata otasuke_severity";
    const YAML::Node texts = sidecar[info.sid];
    ASSERT_TRUE(texts && texts.IsMap()) << "no entry in explanations.yaml";
    for (const char* part : {"explanation", "next_step"}) {
      for (const char* lang : {"ja", "en"}) {
        EXPECT_FALSE(texts[part][lang].as<std::string>("").empty()) << part << "." << lang;
      }
    }
  }
  for (const auto& entry : sidecar) {
    EXPECT_EQ(sids.count(entry.first.as<uint32_t>()), 1u)
        << "explanations.yaml entry " << entry.first.as<std::string>() << " has no rule";
  }
}

// rules/ioc/otasuke-ioc.txt lists "ip|domain <value> <sid>"; each sid's rule must name the
// value in its message and in its address or dns.query content, and every rule of
// otasuke-ioc.rules must be listed.
TEST(RulePackTest, IocListAndIocRulesAgree) {
  const auto& pack = SuricataPack();
  ASSERT_NE(pack.rules, nullptr);
  std::map<uint32_t, const network::detect::RuleInfo*> by_sid;
  std::set<uint32_t> ioc_rule_sids;
  for (size_t i = 0; i < network::detect::RuleCount(*pack.rules); ++i) {
    const auto& info = network::detect::RuleAt(*pack.rules, i);
    by_sid[info.sid] = &info;
    if (absl::EndsWith(info.source_file, "otasuke-ioc.rules")) ioc_rule_sids.insert(info.sid);
  }
  std::set<uint32_t> listed;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(ReadText(PackDir() / "ioc/otasuke-ioc.txt"), '\n')) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    ASSERT_EQ(f.size(), 3u) << "otasuke-ioc.txt:" << line_no;
    uint32_t sid = 0;
    ASSERT_TRUE(absl::SimpleAtoi(f[2], &sid)) << "otasuke-ioc.txt:" << line_no;
    listed.insert(sid);
    ASSERT_EQ(by_sid.count(sid), 1u) << "otasuke-ioc.txt:" << line_no << ": no rule sid " << sid;
    const std::string& text = by_sid[sid]->text;
    const std::string needle = f[0] == "ip" ? absl::StrCat("-> ", f[1], " any")
                                            : absl::StrCat("dns.query; content:\"", f[1], "\"");
    EXPECT_NE(text.find(needle), std::string::npos)
        << "otasuke-ioc.txt:" << line_no << ": rule " << sid << " does not check " << f[1];
    EXPECT_NE(by_sid[sid]->msg.find(f[1]), std::string::npos) << by_sid[sid]->msg;
  }
  EXPECT_EQ(listed, ioc_rule_sids);
}

Counts RunSigmaCase(const fs::path& events) {
  Counts counts;
  const auto& pack = SigmaPack();
  if (pack.rules == nullptr) return counts;
  agent::sigma::SigmaEngine engine;
  agent::sigma::CorrelationEngine correlation;
  std::vector<uint32_t> matched;
  std::vector<agent::sigma::CorrelationHit> hits;
  agent::readers::ReadStats stats;
  absl::Status st = agent::readers::ReadEventFile(
      events.string(),
      [&](const agent::Event& event) {
        matched.clear();
        engine.Match(*pack.rules, event, &matched);
        for (uint32_t r : matched) {
          if (pack.rules->rules()[r].emits_alerts) ++counts[pack.rules->rules()[r].meta.id];
        }
        hits.clear();
        correlation.Observe(*pack.rules, event, matched, &hits);
        for (const auto& hit : hits) {
          ++counts[pack.rules->correlations()[hit.correlation].meta.id];
        }
      },
      &stats);
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(stats.bad_records, 0u) << events << ": " << absl::StrJoin(stats.errors, "; ");
  EXPECT_GT(stats.records, 0u) << events;
  return counts;
}

class Collector : public network::AlertEventHandler {
 public:
  void OnAlertEvent(const network::AlertEvent& event) override { ++counts[SidKey(event.sid)]; }
  Counts counts;
};

Counts RunTrafficCase(const fs::path& traffic, const fs::path& pcap) {
  Collector collector;
  const auto& pack = SuricataPack();
  if (pack.rules == nullptr) return collector.counts;
  absl::Status st = WriteTrafficPcap(traffic.string(), pcap.string());
  EXPECT_TRUE(st.ok()) << st;
  if (!st.ok()) return collector.counts;
  network::NetworkScanner scanner({}, pack.rules, &collector);
  uint64_t pcap_cnt = 0;
  st = network::ScanPcapFile(pcap.string(), scanner, &pcap_cnt);
  EXPECT_TRUE(st.ok()) << st;
  scanner.Finish();
  EXPECT_GT(pcap_cnt, 0u);
  return collector.counts;
}

std::vector<fs::path> CaseDirs() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(CasesDir())) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::string Describe(const Counts& counts) {
  std::string s;
  for (const auto& [rule, n] : counts) absl::StrAppend(&s, "  ", rule, " x", n, "\n");
  return s.empty() ? "  (none)\n" : s;
}

// Runs every case and checks that each rule of the pack is exercised by at least one.
TEST(RulePackTest, EveryCaseFiresExactlyItsExpectedAlerts) {
  testing::TempDir tmp;
  std::set<std::string> fired;
  const std::vector<fs::path> cases = CaseDirs();
  ASSERT_FALSE(cases.empty());
  for (const fs::path& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    Counts expected;
    try {
      const nlohmann::json j = nlohmann::json::parse(ReadText(dir / "expected.json"));
      for (const auto& [rule, n] : j.at("alerts").items()) expected[rule] = n.get<int>();
    } catch (const nlohmann::json::exception& e) {
      ADD_FAILURE() << dir / "expected.json"
                    << ": " << e.what();
      continue;
    }
    Counts got;
    const bool has_events = fs::exists(dir / "events.jsonl");
    const bool has_traffic = fs::exists(dir / "traffic.json");
    EXPECT_NE(has_events, has_traffic) << "a case has events.jsonl or traffic.json";
    if (has_events) got = RunSigmaCase(dir / "events.jsonl");
    if (has_traffic) {
      got = RunTrafficCase(dir / "traffic.json",
                           fs::path(tmp.path()) / (dir.filename().string() + ".pcap"));
    }
    EXPECT_EQ(got, expected) << "expected:\n" << Describe(expected) << "got:\n" << Describe(got);
    for (const auto& [rule, n] : got) fired.insert(rule);
  }
  if (SigmaPack().rules != nullptr) {
    for (const auto& rule : SigmaPack().rules->rules()) {
      EXPECT_EQ(fired.count(rule.meta.id), 1u)
          << "no case fires " << rule.meta.id << " (" << rule.meta.file << ")";
    }
    for (const auto& c : SigmaPack().rules->correlations()) {
      EXPECT_EQ(fired.count(c.meta.id), 1u)
          << "no case fires " << c.meta.id << " (" << c.meta.file << ")";
    }
  }
  if (SuricataPack().rules != nullptr) {
    for (size_t i = 0; i < network::detect::RuleCount(*SuricataPack().rules); ++i) {
      const uint32_t sid = network::detect::RuleAt(*SuricataPack().rules, i).sid;
      EXPECT_EQ(fired.count(SidKey(sid)), 1u) << "no case fires sid " << sid;
    }
  }
}

}  // namespace
}  // namespace otasuke::rules_test
