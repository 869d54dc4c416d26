// Results kept per cached value combination (candidate_memo.h, SIGMA.md engine step 9): which
// rules the compiler finds determined by the memo's key, and SigmaEngine answering them from
// the memo while still evaluating every rule that reads anything else (a field outside the
// key, a keyword, a fieldref to an unscanned field) — always agreeing with the oracle and with
// an engine without the memo, across eviction and a rule set swap.

#include "agent/sigma/candidate_memo.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/sigma/scan_cache.h"
#include "gtest/gtest.h"
#include "tests/sigma/memo_test_rules.h"
#include "tests/sigma/sigma_test_util.h"

namespace otasuke::agent::sigma {
namespace {

using testing::JoinRules;
using testing::kCasedShellRule;
using testing::kServiceAccountRule;
using testing::kShellKeyOnlyRule;
using testing::MustCompile;
using testing::ProcessEvent;
using testing::RuleIds;

// Image, CommandLine, User and ParentImage carry literals (they are the key); ProcessId,
// ParentUser and the extra field Comment carry none, so no cache entry names their values.
std::string Rules() {
  return JoinRules({kShellKeyOnlyRule,
                    R"(title: Shell with a high process id (ProcessId is outside the key)
id: r-pid
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\cmd.exe', ProcessId|gt: 1000}
  condition: sel
)",
                    R"(title: Shell with a keyword (keywords read every value)
id: r-keyword
logsource: {product: windows, category: process_creation}
detection:
  img: {Image|endswith: '\cmd.exe'}
  kw: ['secret-token']
  condition: img and kw
)",
                    R"(title: Shell run as its parent's user (fieldref to a field outside the key)
id: r-fieldref-out
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\cmd.exe', User|fieldref: ParentUser}
  condition: sel
)",
                    kServiceAccountRule,
                    R"(title: Shell whose command line names its image (fieldref inside the key)
id: r-fieldref-in
logsource: {product: windows, category: process_creation}
detection:
  img: {Image|endswith: '\cmd.exe'}
  same: {CommandLine|fieldref: Image}
  condition: img and not same
)",
                    kCasedShellRule});
}

const DetectionRule& RuleById(const CompiledSigmaRules& rules, std::string_view id) {
  for (const DetectionRule& rule : rules.rules()) {
    if (rule.meta.id == id) return rule;
  }
  ADD_FAILURE() << "no rule " << id;
  return rules.rules().front();
}

TEST(MarkKeyDeterminedRules, OnlyRulesReadingNothingButTheBucketsPrefilterFields) {
  auto rules = MustCompile(Rules());
  ASSERT_NE(rules, nullptr);
  EXPECT_TRUE(RuleById(*rules, "r-key").determined_by_key);
  EXPECT_TRUE(RuleById(*rules, "r-user").determined_by_key);
  EXPECT_TRUE(RuleById(*rules, "r-fieldref-in").determined_by_key);
  EXPECT_FALSE(RuleById(*rules, "r-pid").determined_by_key);
  EXPECT_FALSE(RuleById(*rules, "r-keyword").determined_by_key);
  EXPECT_FALSE(RuleById(*rules, "r-fieldref-out").determined_by_key);
  EXPECT_FALSE(RuleById(*rules, "r-cased").determined_by_key);
  // Tests answered by hits read the hit records; a cased test and a number do not.
  EXPECT_TRUE(RuleById(*rules, "r-pid").reads_hits);
  EXPECT_FALSE(RuleById(*rules, "r-cased").reads_hits);
}

// The same key (every prefilter field's value) with different values outside it.
Event Shell(std::string pid, std::string parent_user, std::string comment) {
  return ProcessEvent({{"Image", "C:\\Windows\\System32\\cmd.exe"},
                       {"CommandLine", "cmd.exe /c whoami"},
                       {"ParentImage", "C:\\Windows\\explorer.exe"},
                       {"User", "CORP\\alice"},
                       {"ProcessId", pid},
                       {"ParentUser", parent_user},
                       {"Comment", comment}});
}

TEST(SigmaEngineCandidateMemo, RulesReadingOutsideTheKeyAreEvaluatedEveryTime) {
  auto rules = MustCompile(Rules());
  ASSERT_NE(rules, nullptr);
  const std::vector<Event> events = {
      Shell("500", "CORP\\alice", "nothing"),
      Shell("5000", "CORP\\bob", "secret-token"),
      Shell("2000", "CORP\\alice", "secret-token"),
  };
  const std::vector<std::vector<std::string>> expected = {
      {"r-key", "r-fieldref-out", "r-fieldref-in", "r-cased"},
      {"r-key", "r-pid", "r-keyword", "r-fieldref-in"},
      {"r-key", "r-pid", "r-keyword", "r-fieldref-out", "r-fieldref-in", "r-cased"},
  };
  SigmaEngine engine;
  RuleByRuleEngine oracle;
  for (int round = 0; round < 4; ++round) {
    for (size_t i = 0; i < events.size(); ++i) {
      std::vector<uint32_t> got, want;
      engine.Match(*rules, events[i], &got);
      oracle.Match(*rules, events[i], &want);
      EXPECT_EQ(got, want) << "round " << round << " event " << i;
      EXPECT_EQ(RuleIds(*rules, got), expected[i]) << "round " << round << " event " << i;
    }
  }
  // One key for all: the first event's values were scanned, the second inserts the key, the
  // ten others find it and answer r-key and r-fieldref-in from it (r-user is no candidate),
  // evaluating the other four.
  EXPECT_EQ(engine.candidate_memo().lookups(), 11u);
  EXPECT_EQ(engine.candidate_memo().hits(), 10u);
  EXPECT_EQ(engine.stats().memo_results, 20u);
  EXPECT_EQ(engine.stats().candidates, 12u * 6u);
}

// Key combinations cycling through a one-set memo (evicted all the time) and a large one,
// against the oracle and an engine without the memo; then a second rule set, in which the same
// rule indices mean other rules and the same values other answers.
TEST(SigmaEngineCandidateMemo, AgreesWithTheOracleWithEvictionAndARuleSwap) {
  auto first = MustCompile(Rules());
  auto second = MustCompile(absl::StrCat(R"(
title: Shifts every rule index and literal id
id: r-first
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\cmd.exe', CommandLine|contains: 'ver'}
  condition: sel
---)",
                                         Rules()));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  const std::vector<std::string> images = {"C:\\Windows\\System32\\cmd.exe", "C:\\x\\cmd.exe",
                                           "C:\\Windows\\notepad.exe"};
  const std::vector<std::string> commands = {"cmd.exe /c whoami", "cmd /c ver", "C:\\x\\cmd.exe",
                                             "whoami /all"};
  const std::vector<std::string> parents = {"C:\\Windows\\explorer.exe",
                                            "C:\\Windows\\System32\\services.exe"};
  const std::vector<std::string> users = {"CORP\\alice", "CORP\\svc_sql"};
  std::vector<Event> events;
  for (size_t i = 0; i < 400; ++i) {
    const size_t k = i / 2;  // keys in pairs: even a one-set memo finds some
    // Every fifth pair's command line is a one-off: scanned, stored, evicted from small caches.
    const std::string one_off = k % 5 == 0 ? absl::StrCat(" #", k) : "";
    events.push_back(ProcessEvent({{"Image", images[k % images.size()]},
                                   {"CommandLine", commands[k % commands.size()] + one_off},
                                   {"ParentImage", parents[k % parents.size()]},
                                   {"User", users[(k / 7) % users.size()]},
                                   {"ProcessId", std::to_string(100 + (i * 997) % 5000)},
                                   {"ParentUser", users[(i / 3) % users.size()]},
                                   {"Comment", i % 5 == 0 ? "secret-token" : "-"}}));
  }
  SigmaEngine without({.candidate_memo_entries = 0, .event_memo_entries = 0});
  // The event memo (event_memo.h) off but in `large`: it would answer most events before the
  // candidate memo is asked.
  SigmaEngine one_set({.candidate_memo_entries = CandidateMemo::kWays, .event_memo_entries = 0});
  // One scan cache set per field: values evicted and stored again under new serials, so keys
  // kept in the memo stop naming the event's values.
  SigmaEngine tiny_cache({.scan_cache_entries = ScanCache::kWays, .event_memo_entries = 0});
  SigmaEngine large;
  RuleByRuleEngine oracle;
  size_t matches = 0;
  for (const auto* rules : {first.get(), second.get(), first.get()}) {
    for (const Event& e : events) {
      std::vector<uint32_t> want, a, b, c, d;
      oracle.Match(*rules, e, &want);
      without.Match(*rules, e, &a);
      one_set.Match(*rules, e, &b);
      large.Match(*rules, e, &c);
      tiny_cache.Match(*rules, e, &d);
      ASSERT_EQ(a, want);
      ASSERT_EQ(b, want);
      ASSERT_EQ(c, want);
      ASSERT_EQ(d, want);
      EXPECT_EQ(one_set.last_candidates(), without.last_candidates());
      EXPECT_EQ(large.last_candidates(), without.last_candidates());
      EXPECT_EQ(tiny_cache.last_candidates(), without.last_candidates());
      matches += want.size();
    }
  }
  EXPECT_GT(matches, 400u);
  EXPECT_EQ(without.stats().memo_results, 0u);
  EXPECT_GT(large.stats().memo_results, 0u);
  EXPECT_GT(one_set.stats().memo_results, 0u);
  EXPECT_GT(tiny_cache.stats().memo_results, 0u);
  // The one-set memo lost entries to newer keys; the large one kept them.
  EXPECT_LT(one_set.candidate_memo().hits(), one_set.candidate_memo().lookups());
  EXPECT_GT(large.candidate_memo().hits(), one_set.candidate_memo().hits());
  uint64_t evictions = 0;  // counted per rule set: the last pass's
  for (uint32_t f = 0; f < first->buckets()[0].prefilter.fields().size(); ++f) {
    evictions += tiny_cache.scan_cache_stats(0, f).evictions;
  }
  EXPECT_GT(evictions, 0u);
}

}  // namespace
}  // namespace otasuke::agent::sigma
