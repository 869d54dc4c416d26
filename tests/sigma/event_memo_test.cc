// The whole-event memo (event_memo.h, SIGMA.md engine step 10): SigmaEngine answering an event
// from the bytes of its bucket's prefilter fields, with no scan cache lookup, while still
// evaluating every rule the key does not determine — always agreeing with the oracle and with
// an engine without the memo, for absent and empty fields, across eviction, a rule set swap
// and the bypass of a bucket whose events never recur.

#include "agent/sigma/event_memo.h"

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/sigma/prefilter.h"
#include "agent/sigma/rule.h"
#include "agent/sigma/scan_cache.h"
#include "agent/sigma/value_bytes.h"
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

// Image, CommandLine, ParentImage and User carry literals (the memo's key); ProcessId carries
// none. r-pid reads the hit records and a field outside the key (the answers of the events
// whose candidate it is are not kept); r-cased reads no hit record but ProcessId (evaluated on
// every memo hit); r-empty and r-absent tell an empty command line from an absent one.
std::string Rules() {
  return JoinRules({kShellKeyOnlyRule,
                    R"(title: PowerShell with a high process id (ProcessId is outside the key)
id: r-pid
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\powershell.exe', ProcessId|gt: 1000}
  condition: sel
)",
                    kCasedShellRule, kServiceAccountRule, R"(title: Shell with an empty command line
id: r-empty
logsource: {product: windows, category: process_creation}
detection:
  img: {Image|endswith: '\cmd.exe'}
  cmd: {CommandLine: ''}
  condition: img and cmd
)",
                    R"(title: Shell without a command line or a parent
id: r-absent
logsource: {product: windows, category: process_creation}
detection:
  img: {Image|endswith: '\cmd.exe'}
  none: {CommandLine|exists: false}
  parent: {ParentImage|exists: false}
  condition: img and (none or parent)
)"});
}

// A shell with the given command line and parent; nullptr: the field is absent.
Event Shell(const char* command_line, const char* parent, const std::string& pid) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Image", "C:\\Windows\\System32\\cmd.exe"}, {"User", "CORP\\alice"}, {"ProcessId", pid}};
  if (command_line != nullptr) fields.emplace_back("CommandLine", command_line);
  if (parent != nullptr) fields.emplace_back("ParentImage", parent);
  return ProcessEvent(fields);
}

TEST(SigmaEngineEventMemo, AbsentAndEmptyFieldsAreDifferentKeys) {
  auto rules = MustCompile(Rules());
  ASSERT_NE(rules, nullptr);
  const char* const kExplorer = "C:\\Windows\\explorer.exe";
  // Only r-empty and r-absent tell the first four apart; the fifth has the first's key, and
  // r-cased (not determined by it) another answer.
  const std::vector<Event> events = {Shell("", kExplorer, "500"), Shell(nullptr, kExplorer, "500"),
                                     Shell("", "", "500"), Shell("", nullptr, "500"),
                                     Shell("", kExplorer, "3500")};
  const std::vector<std::vector<std::string>> expected = {{"r-cased", "r-empty"},
                                                          {"r-cased", "r-absent"},
                                                          {"r-cased", "r-empty"},
                                                          {"r-cased", "r-empty", "r-absent"},
                                                          {"r-empty"}};
  SigmaEngine engine;
  RuleByRuleEngine oracle;
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < events.size(); ++i) {
      std::vector<uint32_t> got, want;
      engine.Match(*rules, events[i], &got);
      oracle.Match(*rules, events[i], &want);
      EXPECT_EQ(got, want) << "round " << round << " event " << i;
      EXPECT_EQ(RuleIds(*rules, got), expected[i]) << "round " << round << " event " << i;
    }
  }
  // A key is kept once each of its values was found in the scan cache: on the first round
  // the second, fourth and fifth events' (the fifth has the first's), on the second the
  // third's; the second round finds four, the third all five.
  EXPECT_EQ(engine.event_memo().lookups(), 15u);
  EXPECT_EQ(engine.event_memo().hits(), 9u);
}

// Random events over a few values per field (absent and empty among them) through engines with
// the memo large, one set (evicted all the time) and off, and with the scan cache or the
// candidate memo off, against the oracle; then a second rule set, in which the same rule
// indices mean other rules and the same values other answers.
TEST(SigmaEngineEventMemo, AgreesWithTheOracleOnRandomEvents) {
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
  const char* const kAbsent = nullptr;
  const std::vector<const char*> images = {"C:\\Windows\\System32\\cmd.exe", "C:\\x\\cmd.exe",
                                           "C:\\Windows\\powershell.exe", "", kAbsent};
  const std::vector<const char*> commands = {"cmd.exe /c whoami", "cmd /c ver", "whoami /all", "",
                                             kAbsent};
  const std::vector<const char*> parents = {"C:\\Windows\\explorer.exe",
                                            "C:\\Windows\\System32\\services.exe", "", kAbsent};
  const std::vector<const char*> users = {"CORP\\alice", "CORP\\svc_sql", "", kAbsent};
  std::mt19937 random(20261123);
  const auto pick = [&](const std::vector<const char*>& values) {
    return values[random() % values.size()];
  };
  // 40 value combinations drawn at random (mostly hits, so the memo is not bypassed), each
  // event with its own process id, every tenth with a one-off command line (a new key).
  std::vector<std::vector<const char*>> combinations;
  for (size_t i = 0; i < 40; ++i) {
    combinations.push_back({pick(images), pick(users), pick(parents), pick(commands)});
  }
  std::vector<Event> events;
  for (size_t i = 0; i < 1500; ++i) {
    const std::vector<const char*>& values = combinations[random() % combinations.size()];
    std::vector<std::pair<std::string, std::string>> fields = {
        {"ProcessId", std::to_string(100 + random() % 5000)}};
    const auto add = [&](const char* name, const char* value) {
      if (value != nullptr) fields.emplace_back(name, value);
    };
    add("Image", values[0]);
    add("User", values[1]);
    add("ParentImage", values[2]);
    const char* command = values[3];
    const std::string one_off =
        command != nullptr && i % 10 == 0 ? absl::StrCat(command, " #", i) : "";
    add("CommandLine", one_off.empty() ? command : one_off.c_str());
    events.push_back(ProcessEvent(fields));
  }
  SigmaEngine without({.event_memo_entries = 0});
  SigmaEngine one_set({.event_memo_entries = EventMemo::kWays});
  SigmaEngine no_scan_cache({.scan_cache_entries = 0});
  SigmaEngine no_candidate_memo({.candidate_memo_entries = 0});
  SigmaEngine large;
  RuleByRuleEngine oracle;
  size_t matches = 0;
  for (const auto* rules : {first.get(), second.get(), first.get()}) {
    for (size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      std::vector<uint32_t> want, a, b, c, d, f;
      oracle.Match(*rules, e, &want);
      without.Match(*rules, e, &a);
      one_set.Match(*rules, e, &b);
      no_scan_cache.Match(*rules, e, &c);
      no_candidate_memo.Match(*rules, e, &d);
      large.Match(*rules, e, &f);
      ASSERT_EQ(a, want) << "event " << i;
      ASSERT_EQ(b, want) << "event " << i;
      ASSERT_EQ(c, want) << "event " << i;
      ASSERT_EQ(d, want) << "event " << i;
      ASSERT_EQ(f, want) << "event " << i;
      EXPECT_EQ(one_set.last_candidates(), without.last_candidates());
      EXPECT_EQ(large.last_candidates(), without.last_candidates());
      EXPECT_EQ(no_scan_cache.last_candidates(), without.last_candidates());
      matches += want.size();
    }
  }
  EXPECT_GT(matches, 1000u);
  EXPECT_EQ(without.event_memo().lookups(), 0u);
  // Counted per rule set: the last pass's. 5 × 4 × 4 × 5 keys at most, a few kept per set.
  EXPECT_GT(large.event_memo().hits(), 500u);
  EXPECT_EQ(no_scan_cache.event_memo().lookups(), 0u);  // kept only for cached values
  EXPECT_GT(one_set.event_memo().hits(), 0u);
  EXPECT_LT(one_set.event_memo().hits(), large.event_memo().hits());
}

// Events that never recur: after ScanCache::kMissRun lookups without a hit the bucket is matched
// without the memo for ScanCache::kBypassValues events, its answers unchanged.
TEST(SigmaEngineEventMemo, BypassedWhileEventsDoNotRecur) {
  auto rules = MustCompile(Rules());
  ASSERT_NE(rules, nullptr);
  SigmaEngine engine;
  RuleByRuleEngine oracle;
  const size_t n = ScanCache::kMissRun + 100;
  for (size_t i = 0; i < n; ++i) {
    const std::string command = absl::StrCat("cmd.exe /c whoami ", i);
    const Event e = Shell(command.c_str(), "C:\\Windows\\explorer.exe", "500");
    std::vector<uint32_t> got, want;
    engine.Match(*rules, e, &got);
    oracle.Match(*rules, e, &want);
    ASSERT_EQ(got, want) << "event " << i;
  }
  EXPECT_EQ(engine.event_memo().lookups(), ScanCache::kMissRun);
  EXPECT_EQ(engine.event_memo().hits(), 0u);
  EXPECT_EQ(engine.event_memo().bypassed(), 100u);
}

// Per ScanCache::kMissRun lookups the bucket is bypassed when fewer than half hit: a recurring
// event two events in three keeps the memo, one in three does not.
TEST(SigmaEngineEventMemo, BypassedWhenFewerThanHalfTheLookupsHit) {
  auto rules = MustCompile(Rules());
  ASSERT_NE(rules, nullptr);
  const Event recurring = Shell("cmd.exe /c whoami", "C:\\Windows\\explorer.exe", "500");
  const auto run = [&](SigmaEngine& engine, bool mostly_recurring) {
    RuleByRuleEngine oracle;
    for (size_t i = 0; i < 2 * ScanCache::kMissRun; ++i) {
      const std::string command = absl::StrCat("cmd.exe /c ver ", i);
      const Event one_off = Shell(command.c_str(), "C:\\Windows\\explorer.exe", "500");
      const Event& e = (i % 3 != 0) == mostly_recurring ? recurring : one_off;
      std::vector<uint32_t> got, want;
      engine.Match(*rules, e, &got);
      oracle.Match(*rules, e, &want);
      ASSERT_EQ(got, want) << "event " << i;
    }
  };
  SigmaEngine two_thirds;
  run(two_thirds, true);
  EXPECT_EQ(two_thirds.event_memo().lookups(), 2 * ScanCache::kMissRun);
  EXPECT_EQ(two_thirds.event_memo().bypassed(), 0u);
  // Every recurring event but the first two (scanned, then kept).
  EXPECT_EQ(two_thirds.event_memo().hits(), 2 * ScanCache::kMissRun * 2 / 3 - 2);
  SigmaEngine one_third;
  run(one_third, false);
  EXPECT_EQ(one_third.event_memo().lookups(), ScanCache::kMissRun);
  EXPECT_EQ(one_third.event_memo().bypassed(), ScanCache::kMissRun);
}

// A key longer than a slot (three values the scan cache keeps, 1,200 bytes together) is never
// kept: looked up (counted as too large, and as a miss), answered by the scan cache path.
TEST(SigmaEngineEventMemo, KeysLongerThanASlotAreNotKept) {
  auto rules = MustCompile(R"(
title: Long command lines
id: r-long
logsource: {product: windows, category: process_creation}
detection:
  cmd: {CommandLine|contains: 'whoami'}
  parent: {ParentCommandLine|contains: 'explorer'}
  dir: {CurrentDirectory|contains: 'temp'}
  condition: cmd and parent and dir
)");
  ASSERT_NE(rules, nullptr);
  const std::string pad(400, 'x');
  const Event e = ProcessEvent({{"CommandLine", "cmd.exe /c whoami " + pad},
                                {"ParentCommandLine", "explorer.exe " + pad},
                                {"CurrentDirectory", "C:\\temp\\" + pad}});
  SigmaEngine engine;
  RuleByRuleEngine oracle;
  std::vector<uint32_t> want;
  oracle.Match(*rules, e, &want);
  EXPECT_EQ(RuleIds(*rules, want), std::vector<std::string>{"r-long"});
  for (int i = 0; i < 4; ++i) {
    std::vector<uint32_t> got;
    engine.Match(*rules, e, &got);
    EXPECT_EQ(got, want) << "event " << i;
  }
  EXPECT_EQ(engine.event_memo().lookups(), 4u);
  EXPECT_EQ(engine.event_memo().too_large(), 4u);
  EXPECT_EQ(engine.event_memo().hits(), 0u);
  // Scanned, kept by the candidate memo, found there twice.
  EXPECT_EQ(engine.candidate_memo().hits(), 2u);
}

// A memo hit looks no value up, but marks the values' scan cache slots used as a lookup would
// (for the fields that had evicted values when the answer was kept): with one set of
// ScanCache::kWays slots per field, a recurring command line answered by the memo between
// one-off ones (each stored in its field's set) is never the clock's victim, so an event that
// shares it but misses the memo (another image) still finds it in the scan cache. Unmarked, it
// would be evicted by the fifteenth one-off.
TEST(SigmaEngineEventMemo, HitsKeepTheirValuesInTheScanCache) {
  auto rules = MustCompile(Rules());
  ASSERT_NE(rules, nullptr);
  const char* const kExplorer = "C:\\Windows\\explorer.exe";
  const char* const kCommand = "cmd.exe /c whoami";
  SigmaEngine engine({.scan_cache_entries = ScanCache::kWays});
  RuleByRuleEngine oracle;
  auto match = [&](const Event& e) {
    std::vector<uint32_t> got, want;
    engine.Match(*rules, e, &got);
    oracle.Match(*rules, e, &want);
    EXPECT_EQ(got, want);
  };
  auto one_off = [&](int i) {
    const std::string command = absl::StrCat(kCommand, " ", i);
    match(Shell(command.c_str(), kExplorer, "500"));
  };
  constexpr int kOneOffs = 3 * ScanCache::kWays;
  for (int i = 0; i < static_cast<int>(2 * ScanCache::kWays); ++i)
    one_off(kOneOffs + i);  // the field evicts
  const Event recurring = Shell(kCommand, kExplorer, "500");
  match(recurring);  // scanned and stored
  match(recurring);  // found in the scan cache: kept by the memo
  for (int i = 0; i < kOneOffs; ++i) {
    match(recurring);
    one_off(i);
  }
  EXPECT_EQ(engine.event_memo().hits(), static_cast<uint64_t>(kOneOffs));
  const uint32_t fields = static_cast<uint32_t>(rules->buckets()[0].prefilter.fields().size());
  auto scan_cache_hits = [&] {
    uint64_t hits = 0;
    for (uint32_t f = 0; f < fields; ++f) hits += engine.scan_cache_stats(0, f).hits;
    return hits;
  };
  const uint64_t before = scan_cache_hits();
  match(ProcessEvent({{"Image", "C:\\Windows\\System32\\conhost.exe"},
                      {"User", "CORP\\alice"},
                      {"ProcessId", "500"},
                      {"CommandLine", kCommand},
                      {"ParentImage", kExplorer}}));
  // The user, the parent and the command line; the image is new.
  EXPECT_EQ(scan_cache_hits() - before, 3u);
}

// A key's hash reads each value's length and first and last 8 bytes (EventMemo::Digest): command
// lines that differ only in between (past byte 16 of a short one, in the middle of one compared
// by memcmp) have the same hash, land in one set and are told apart by their bytes alone. Both
// answers are kept side by side and each event gets its own.
TEST(SigmaEngineEventMemo, ValuesSharingTheirEndsAreDifferentKeys) {
  auto rules = MustCompile(Rules());
  ASSERT_NE(rules, nullptr);
  const char* const kExplorer = "C:\\Windows\\explorer.exe";
  const std::string pad(90, 'x');
  for (const auto& [whoami, hostname] : std::vector<std::pair<std::string, std::string>>{
           {"cmd.exe /c whoami && echo done", "cmd.exe /c whoamx && echo done"},
           {"cmd.exe /c " + pad + " whoami " + pad + " /all",
            "cmd.exe /c " + pad + " whoamx " + pad + " /all"}}) {
    SCOPED_TRACE(whoami.size());
    const Event a = Shell(whoami.c_str(), kExplorer, "500");
    const Event b = Shell(hostname.c_str(), kExplorer, "500");
    // The collision itself, with the engine's reading of the bucket's fields.
    const Prefilter& pf = rules->buckets()[0].prefilter;
    const auto key_of = [&](const Event& e) {
      EventMemo::Key key;
      key.Build(0, pf.fields().size(), [&](size_t f, bool* present) {
        *present = e.Has(*pf.fields()[f].field.id);
        return e.Get(*pf.fields()[f].field.id);
      });
      return key;
    };
    ASSERT_EQ(key_of(a).hash, key_of(b).hash);
    ASSERT_EQ(key_of(a).lengths, key_of(b).lengths);
    SigmaEngine engine;
    RuleByRuleEngine oracle;
    constexpr int kRounds = 5;
    for (int round = 0; round < kRounds; ++round) {
      for (const Event* e : {&a, &b}) {
        std::vector<uint32_t> got, want;
        engine.Match(*rules, *e, &got);
        oracle.Match(*rules, *e, &want);
        EXPECT_EQ(got, want) << "round " << round;
        const std::vector<std::string> expected = e == &a
                                                      ? std::vector<std::string>{"r-key", "r-cased"}
                                                      : std::vector<std::string>{"r-cased"};
        EXPECT_EQ(RuleIds(*rules, got), expected) << "round " << round;
      }
    }
    // Kept on the second round (each value then found in the scan cache), found on the others.
    EXPECT_EQ(engine.event_memo().lookups(), 2u * kRounds);
    EXPECT_EQ(engine.event_memo().hits(), 2u * (kRounds - 2));
  }
}

// A field outside the event's table (an extra, found by name) is part of the key as a table
// field is: events that differ only there get their own answers.
TEST(SigmaEngineEventMemo, ExtraFieldsArePartOfTheKey) {
  auto rules = MustCompile(R"(
title: Shell with a tag outside the field table
id: r-tag
logsource: {product: windows, category: process_creation}
detection:
  img: {Image|endswith: '\cmd.exe'}
  tag: {RunTag|contains: 'evil'}
  condition: img and tag
)");
  ASSERT_NE(rules, nullptr);
  ASSERT_FALSE(FieldRef::Resolve("RunTag").id.has_value());
  const auto shell = [](const char* tag) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {"Image", "C:\\Windows\\System32\\cmd.exe"}, {"CommandLine", "cmd.exe /c ver"}};
    if (tag != nullptr) fields.emplace_back("RunTag", tag);
    return ProcessEvent(fields);
  };
  const std::vector<Event> events = {shell("evil-1"), shell("good-1"), shell(""), shell(nullptr)};
  SigmaEngine engine;
  RuleByRuleEngine oracle;
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    for (size_t i = 0; i < events.size(); ++i) {
      std::vector<uint32_t> got, want;
      engine.Match(*rules, events[i], &got);
      oracle.Match(*rules, events[i], &want);
      EXPECT_EQ(got, want) << "round " << round << " event " << i;
      EXPECT_EQ(got.size(), i == 0 ? 1u : 0u) << "round " << round << " event " << i;
    }
  }
  // The first round scans and stores every value and keeps the last event's answer (its values
  // were met before), the second keeps the others'.
  EXPECT_EQ(engine.event_memo().hits(), events.size() * (kRounds - 2) + 1);
}

// A hit whose candidates are all determined by the key (nothing to evaluate) outputs its
// matches from the kept bits alone: in rule order, counted as an evaluation would count them.
TEST(SigmaEngineEventMemo, AnswersWithNothingToEvaluateAreOutputWhole) {
  auto rules = MustCompile(JoinRules({kServiceAccountRule, kShellKeyOnlyRule, R"(
title: Shell run by a service account from explorer
id: r-parent
logsource: {product: windows, category: process_creation}
detection:
  sel: {ParentImage|endswith: '\explorer.exe', User|contains: 'svc_'}
  condition: sel
)"}));
  ASSERT_NE(rules, nullptr);
  Event e = ProcessEvent({{"Image", "C:\\Windows\\System32\\cmd.exe"},
                          {"CommandLine", "cmd.exe /c whoami"},
                          {"ParentImage", "C:\\Windows\\explorer.exe"},
                          {"User", "CORP\\svc_sql"}});
  SigmaEngine engine;
  RuleByRuleEngine oracle;
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<uint32_t> got, want;
    engine.Match(*rules, e, &got);
    oracle.Match(*rules, e, &want);
    EXPECT_EQ(got, want) << "round " << round;
    EXPECT_EQ(RuleIds(*rules, got), (std::vector<std::string>{"r-user", "r-key", "r-parent"}))
        << "round " << round;
    EXPECT_EQ(engine.last_candidates().size(), 3u) << "round " << round;
  }
  EXPECT_EQ(engine.event_memo().hits(), kRounds - 2u);
  EXPECT_EQ(engine.stats().matches, 3u * kRounds);
  // The first two rounds evaluate (the second keeps the answer), the others output it.
  EXPECT_EQ(engine.stats().memo_results, 3u * (kRounds - 2));
}

// The byte comparison both per-thread caches trust (value_bytes.h SameBytes: overlapping word
// or 16-byte loads up to 64 bytes, memcmp beyond): any one byte changed, at any position of a
// value of any length around the load widths, makes two values differ.
TEST(SigmaEngineEventMemo, SameBytesSeesEveryByte) {
  for (size_t n = 0; n <= 80; ++n) {
    std::string x(n, 'a');
    for (size_t i = 0; i < n; ++i) x[i] = static_cast<char>('a' + i % 26);
    std::string y = x;
    ASSERT_TRUE(value_bytes::SameBytes(x.data(), y.data(), n)) << n;
    for (size_t i = 0; i < n; ++i) {
      y[i] ^= 0x20;
      EXPECT_FALSE(value_bytes::SameBytes(x.data(), y.data(), n)) << n << " at " << i;
      y[i] = x[i];
    }
  }
}

}  // namespace
}  // namespace otasuke::agent::sigma
