// Evaluation results kept per cached field value (agent/sigma/value_memo.h): which selections
// and rules the compiler gives a memo, the scan cache's memo words (cleared on a new value,
// another layout after a swap), and SigmaEngine answering from them exactly as without them,
// with evictions and rule swaps whose memo indexes mean other selections.

#include "agent/sigma/value_memo.h"

#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/sigma/sigma_test_util.h"

namespace otasuke::agent::sigma {
namespace {

using testing::MustCompile;
using testing::ProcessEvent;

// Rules reading one field per selection or per rule, and some that read several fields.
constexpr char kRules[] = R"(
title: Whole rule on Image (regex, suffix list, filter)
id: r-image
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|re|i: '\\(tmp|temp)\\[a-z]+\.exe$'}
  filter: {Image|endswith: ['\updater.exe', '\setup.exe', '\install.exe', '\patch.exe']}
  condition: sel and not filter
---
title: Selections on two fields
id: r-two
logsource: {product: windows, category: process_creation}
detection:
  cmd: {CommandLine|re: 'vssadmin(\.exe)? +delete +shadows'}
  parent: {ParentImage|endswith: ['\cmd.exe', '\powershell.exe', '\wscript.exe', '\explorer.exe']}
  condition: cmd and not parent
---
title: Keyword and field reference (never kept per value)
id: r-keyword
logsource: {product: windows, category: process_creation}
detection:
  words: ['mimikatz']
  same: {Image|fieldref: ParentImage}
  condition: words or same
---
title: Not a prefilter field
id: r-user
logsource: {product: windows, category: process_creation}
detection:
  sel: {CommandLine|contains: 'backup'}
  user: {User|re: '^NT AUTHORITY\\'}
  condition: sel and not user
)";

// The first set with a rule before it that takes memo index 0 on every field it reads, so
// every later index moves: results kept under the first set's indexes would be misread.
std::string SwappedRules() {
  return absl::StrCat(R"(
title: Shifts every memo index
id: r-shift
logsource: {product: windows, category: process_creation}
detection:
  a: {Image|re: 'zzz'}
  b: {ParentImage|re: 'zzz'}
  c: {CommandLine|re: 'zzz'}
  condition: a and b and c
---)",
                      kRules);
}

const DetectionRule& RuleById(const CompiledSigmaRules& rules, std::string_view id) {
  for (const DetectionRule& r : rules.rules()) {
    if (r.meta.id == id) return r;
  }
  ADD_FAILURE() << "no rule " << id;
  return rules.rules()[0];
}

TEST(ValueMemo, CompilerKeepsPerValueOnlyWhatOneScannedFieldDecides) {
  auto rules = MustCompile(kRules);
  ASSERT_NE(rules, nullptr);
  const DetectionRule& image = RuleById(*rules, "r-image");
  EXPECT_TRUE(image.memo.active());  // every selection reads Image: one bit answers the rule
  for (const Selection& s : image.selections) EXPECT_FALSE(s.memo.active());
  const DetectionRule& two = RuleById(*rules, "r-two");
  EXPECT_FALSE(two.memo.active());
  EXPECT_TRUE(two.selections[0].memo.active());  // the CommandLine regex
  EXPECT_NE(two.selections[0].memo.field, image.memo.field);
  const DetectionRule& keyword = RuleById(*rules, "r-keyword");
  EXPECT_FALSE(keyword.memo.active());
  for (const Selection& s : keyword.selections) EXPECT_FALSE(s.memo.active());
  const DetectionRule& user = RuleById(*rules, "r-user");
  EXPECT_FALSE(user.memo.active());
  EXPECT_FALSE(user.selections[1].memo.active());  // User is not scanned: no cache entry
  // Indexes are dense per field and counted in the bucket.
  const LogSourceBucket& bucket = rules->buckets()[0];
  uint32_t total = 0;
  for (const uint32_t n : bucket.memo_indexes) total += n;
  uint32_t active = image.memo.active() ? 1 : 0;
  for (const DetectionRule& r : rules->rules()) {
    for (const Selection& s : r.selections) active += s.memo.active() ? 1 : 0;
  }
  EXPECT_EQ(total, active);
}

TEST(ValueMemo, BitsAreKnownOnlyOnceStored) {
  std::vector<uint64_t> words(ValueMemoWords(130), 0);
  EXPECT_EQ(words.size(), 6u);
  bool result = true;
  EXPECT_FALSE(ValueMemoKnown(words.data(), 129, &result));
  ValueMemoStore(words.data(), 129, false);
  ValueMemoStore(words.data(), 64, true);
  ASSERT_TRUE(ValueMemoKnown(words.data(), 129, &result));
  EXPECT_FALSE(result);
  ASSERT_TRUE(ValueMemoKnown(words.data(), 64, &result));
  EXPECT_TRUE(result);
  ValueMemoStore(words.data(), 64, false);  // stored again: the last answer counts
  ASSERT_TRUE(ValueMemoKnown(words.data(), 64, &result));
  EXPECT_FALSE(result);
  EXPECT_FALSE(ValueMemoKnown(words.data(), 0, &result));
}

TEST(ValueMemo, ScanCacheClearsTheWordsOfASlotThatTakesANewValue) {
  const std::vector<uint32_t> words = {2, 0};  // field 0 keeps two words per slot, field 1 none
  ScanCache cache(ScanCache::kWays);           // one set: every insert evicts once full
  cache.Reset(2, words);
  const ScanCache::Entry first = cache.Insert(0, "value0", ScanCache::Hash("value0"), {});
  ASSERT_NE(first.memo, nullptr);
  ValueMemoStore(first.memo, 1, true);
  ScanCache::Entry found;
  ASSERT_TRUE(cache.Find(0, "value0", ScanCache::Hash("value0"), &found));
  EXPECT_EQ(found.memo, first.memo);
  EXPECT_EQ(found.serial, first.serial);
  EXPECT_EQ(cache.Insert(1, "x", ScanCache::Hash("x"), {}).memo, nullptr);
  // Fill the set, then one more: the clock evicts a slot, whose words start unknown and whose
  // serial is new.
  for (uint32_t i = 1; i <= ScanCache::kWays; ++i) {
    const std::string v = absl::StrCat("value", i);
    const ScanCache::Entry entry = cache.Insert(0, v, ScanCache::Hash(v), {});
    ASSERT_NE(entry.memo, nullptr);
    EXPECT_GT(entry.serial, first.serial);
    bool result = false;
    EXPECT_FALSE(ValueMemoKnown(entry.memo, 1, &result)) << v;
    ValueMemoStore(entry.memo, 1, true);
  }
  // A new rule set with another layout: entries and words forgotten.
  const std::vector<uint32_t> other = {4, 2};
  cache.Reset(2, other);
  EXPECT_FALSE(cache.Find(0, "value0", ScanCache::Hash("value0"), &found));
  const ScanCache::Entry fresh = cache.Insert(1, "x", ScanCache::Hash("x"), {});
  ASSERT_NE(fresh.memo, nullptr);
  bool result = false;
  EXPECT_FALSE(ValueMemoKnown(fresh.memo, 127, &result));
}

// Events cycling through value lists of different lengths (many combinations; every fifth
// command line unique), so cached values meet other values of the other fields.
std::vector<Event> Corpus() {
  const std::vector<std::string> images = {
      "C:\\Users\\a\\AppData\\Local\\Temp\\dropper.exe", "C:\\Windows\\Temp\\setup.exe",
      "C:\\Windows\\System32\\vssadmin.exe", "C:\\tmp\\x.exe", "C:\\Windows\\System32\\cmd.exe"};
  const std::vector<std::string> parents = {
      "C:\\Windows\\System32\\cmd.exe", "C:\\Windows\\System32\\services.exe",
      "C:\\Windows\\explorer.exe", "C:\\Windows\\System32\\svchost.exe"};
  const std::vector<std::string> commands = {"vssadmin.exe delete shadows /all",
                                             "vssadmin list shadows", "mimikatz.exe",
                                             "wbadmin start backup", "C:\\tmp\\x.exe"};
  const std::vector<std::string> users = {"NT AUTHORITY\\SYSTEM", "CORP\\alice"};
  std::vector<Event> events;
  for (size_t i = 0; i < 420; ++i) {
    std::string command = commands[i % commands.size()];
    if (i % 5 == 0) absl::StrAppend(&command, " /t", i);
    events.push_back(ProcessEvent({{"Image", images[i % images.size()]},
                                   {"ParentImage", parents[i % parents.size()]},
                                   {"CommandLine", command},
                                   {"User", users[i % users.size()]}}));
  }
  return events;
}

TEST(ValueMemo, EngineAnswersAsWithoutMemosWithEvictionsAndRuleSwaps) {
  auto first = MustCompile(kRules);
  auto second = MustCompile(SwappedRules());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  const std::vector<Event> events = Corpus();
  SigmaEngine uncached({.scan_cache_entries = 0});
  SigmaEngine tiny({.scan_cache_entries = 4});  // one set per field: evicts all the time
  SigmaEngine cached;
  RuleByRuleEngine oracle;
  size_t matches = 0;
  for (const auto* rules : {first.get(), second.get(), first.get()}) {
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < events.size(); ++i) {
        std::vector<uint32_t> expected, by_tiny, by_cached, by_oracle;
        uncached.Match(*rules, events[i], &expected);
        tiny.Match(*rules, events[i], &by_tiny);
        cached.Match(*rules, events[i], &by_cached);
        oracle.Match(*rules, events[i], &by_oracle);
        EXPECT_EQ(by_tiny, expected) << "event " << i;
        EXPECT_EQ(by_cached, expected) << "event " << i;
        EXPECT_EQ(by_oracle, expected) << "event " << i;
        matches += expected.size();
      }
    }
  }
  EXPECT_GT(matches, 400u);  // the corpus does exercise the rules
  EXPECT_EQ(uncached.value_memo_answers(), 0u);
  EXPECT_GT(tiny.value_memo_answers(), 0u);
  EXPECT_GT(cached.value_memo_answers(), tiny.value_memo_answers());
}

}  // namespace
}  // namespace otasuke::agent::sigma
