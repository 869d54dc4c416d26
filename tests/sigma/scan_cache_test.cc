// The per-thread scan cache (agent/sigma/scan_cache.h): the table itself (lookups, clock
// eviction, oversized values, reset), the candidate memo keyed by its entries
// (candidate_memo.h), and SigmaEngine with and without them on a corpus of repeating events:
// identical candidates and matches, with evictions and across a rule swap.

#include "agent/sigma/scan_cache.h"

#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/sigma/candidate_memo.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sigma/sigma_test_util.h"

namespace otasuke::agent::sigma {
namespace {

using ::testing::ElementsAre;
using testing::MustCompile;
using testing::ProcessEvent;

std::vector<uint32_t> Found(ScanCache& cache, uint32_t field, std::string_view value) {
  ScanCache::Entry entry;
  if (!cache.Find(field, value, ScanCache::Hash(value), &entry)) return {99999};
  return std::vector<uint32_t>(entry.hits.begin(), entry.hits.end());
}

void Store(ScanCache& cache, uint32_t field, std::string_view value, std::vector<uint32_t> hits) {
  cache.Insert(field, value, ScanCache::Hash(value), hits);
}

TEST(ScanCache, FindsWhatWasStoredPerFieldAndValue) {
  ScanCache cache(64);
  cache.Reset(2);
  const std::vector<uint32_t> none = {99999};
  EXPECT_EQ(Found(cache, 0, "cmd.exe /c dir"), none);  // nothing allocated yet
  Store(cache, 0, "cmd.exe /c dir", {(7u << 4) | 1, (9u << 4) | 3});
  Store(cache, 1, "c:\\windows\\cmd.exe", {});  // no literal in it: a valid answer too
  EXPECT_THAT(Found(cache, 0, "cmd.exe /c dir"), ElementsAre((7u << 4) | 1, (9u << 4) | 3));
  EXPECT_THAT(Found(cache, 1, "c:\\windows\\cmd.exe"), ElementsAre());
  EXPECT_EQ(Found(cache, 1, "cmd.exe /c dir"), none);  // another field's value
  EXPECT_EQ(Found(cache, 0, "CMD.EXE /c dir"), none);  // values compare byte for byte
  EXPECT_EQ(Found(cache, 0, "cmd.exe /c di"), none);
  EXPECT_EQ(cache.stats(0).inserts, 1u);
  EXPECT_EQ(cache.stats(0).hits, 1u);
  EXPECT_EQ(cache.stats(1).hits, 1u);
}

TEST(ScanCache, ClockEvictionGivesARecentlyUsedEntryASecondChance) {
  ScanCache cache(ScanCache::kWays);  // one set: every value competes for the same slots
  cache.Reset(1);
  const uint32_t ways = ScanCache::kWays;
  for (uint32_t i = 0; i < ways; ++i) Store(cache, 0, absl::StrCat("value", i), {i << 4});
  EXPECT_THAT(Found(cache, 0, "value0"), ElementsAre(0u));  // value0 is referenced
  Store(cache, 0, "new", {ways << 4});                      // the hand passes value0, evicts value1
  EXPECT_THAT(Found(cache, 0, "value0"), ElementsAre(0u));
  EXPECT_EQ(Found(cache, 0, "value1"), std::vector<uint32_t>{99999});
  EXPECT_THAT(Found(cache, 0, "value2"), ElementsAre(2u << 4));
  EXPECT_THAT(Found(cache, 0, "new"), ElementsAre(ways << 4));
  EXPECT_EQ(cache.stats(0).evictions, 1u);
  EXPECT_EQ(cache.stats(0).inserts, ways + 1);
}

TEST(ScanCache, ValuesLargerThanASlotAreCountedAndNotStored) {
  ScanCache cache(16);
  cache.Reset(1);
  const std::string long_value(ScanCache::kSlotBytes + 1, 'a');
  EXPECT_FALSE(cache.Cacheable(0, long_value));
  const std::string value(ScanCache::kSlotBytes - 8, 'b');
  EXPECT_TRUE(cache.Cacheable(0, value));
  Store(cache, 0, value, {1, 2, 3});  // 12 bytes of hits: over the slot
  EXPECT_EQ(Found(cache, 0, value), std::vector<uint32_t>{99999});
  Store(cache, 0, value, {1, 2});  // exactly a slot
  EXPECT_THAT(Found(cache, 0, value), ElementsAre(1u, 2u));
  EXPECT_EQ(cache.stats(0).lookups, 2u);
  EXPECT_EQ(cache.stats(0).uncacheable, 2u);
}

// A field whose values do not recur (field 0: every value new) is scanned without the cache
// for kBypassValues values after kMissRun misses in a row, then looked up again; a field whose
// values recur (field 1) keeps its cache.
TEST(ScanCache, FieldsWhoseValuesDoNotRecurAreBypassedThenMeasuredAgain) {
  ScanCache cache(64);
  cache.Reset(2);
  auto look_up = [&](uint32_t field, const std::string& value) {
    if (!cache.Cacheable(field, value)) return false;
    ScanCache::Entry entry;
    if (!cache.Find(field, value, ScanCache::Hash(value), &entry)) Store(cache, field, value, {7});
    return true;
  };
  for (uint32_t i = 0; i < ScanCache::kMissRun; ++i) {
    EXPECT_TRUE(look_up(0, "new " + std::to_string(i)));
    EXPECT_TRUE(look_up(1, "same"));
  }
  for (uint32_t i = 0; i < ScanCache::kBypassValues; ++i) {
    EXPECT_FALSE(look_up(0, "new " + std::to_string(ScanCache::kMissRun - 1)));
  }
  EXPECT_TRUE(look_up(1, "same"));
  EXPECT_EQ(cache.stats(0).bypassed, ScanCache::kBypassValues);
  EXPECT_EQ(cache.stats(0).lookups, ScanCache::kMissRun + ScanCache::kBypassValues);
  EXPECT_EQ(cache.stats(1).bypassed, 0u);
  // Looked up again, and what was stored before the bypass is still there.
  EXPECT_TRUE(cache.Cacheable(0, "new 255"));
  EXPECT_THAT(Found(cache, 0, "new " + std::to_string(ScanCache::kMissRun - 1)), ElementsAre(7u));
  cache.Reset(2);  // a new rule set: counted from scratch
  EXPECT_TRUE(cache.Cacheable(0, "x"));
}

TEST(ScanCache, ResetForgetsEveryEntryAndZeroEntriesTurnItOff) {
  ScanCache cache(16);
  cache.Reset(1);
  Store(cache, 0, "x", {5});
  cache.Reset(3);  // a new rule set
  EXPECT_EQ(Found(cache, 0, "x"), std::vector<uint32_t>{99999});
  EXPECT_EQ(cache.stats(0).inserts, 0u);
  EXPECT_EQ(cache.field_count(), 3u);
  EXPECT_FALSE(ScanCache(0).enabled());
}

// The lookup compares values inline by word loads up to 32 bytes and by memcmp beyond, and
// hashes short values by overlapping loads: every length through each of those paths, with a
// value differing from the stored one in a single byte at each position, must miss.
TEST(ScanCache, ValuesDifferingInAnyOneByteAreNotFoundAtEveryLength) {
  for (size_t n = 0; n <= 72; ++n) {
    ScanCache cache(64);
    cache.Reset(1);
    std::string stored(n, 'a');
    for (size_t i = 0; i < n; ++i) stored[i] = static_cast<char>('a' + i % 26);
    Store(cache, 0, stored, {static_cast<uint32_t>(n) << 4});
    EXPECT_THAT(Found(cache, 0, stored), ElementsAre(static_cast<uint32_t>(n) << 4)) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string other = stored;
      other[i] = static_cast<char>(other[i] ^ 0x80);  // also a byte >= 0x80
      EXPECT_EQ(Found(cache, 0, other), std::vector<uint32_t>{99999}) << n << " at " << i;
    }
    EXPECT_EQ(Found(cache, 0, stored + "a"), std::vector<uint32_t>{99999}) << n;
    EXPECT_EQ(cache.stats(0).hits, 1u) << n;
  }
}

TEST(ScanCache, ValuesWithTheSameHashKeepTheirOwnEntries) {
  // The hash reads the length and the first and last 16 bytes only: these share it, so they
  // land in one set and are told apart by their bytes.
  ScanCache cache(64);
  cache.Reset(1);
  const std::string head = "c:\\windows\\system";
  const std::string tail = "\\svchost.exe -k x";
  const std::string one = head + "32-token-0001" + tail;
  const std::string two = head + "32-token-0002" + tail;
  ASSERT_EQ(ScanCache::Hash(one), ScanCache::Hash(two));
  Store(cache, 0, one, {1u << 4});
  EXPECT_EQ(Found(cache, 0, two), std::vector<uint32_t>{99999});
  Store(cache, 0, two, {2u << 4});
  EXPECT_THAT(Found(cache, 0, one), ElementsAre(1u << 4));
  EXPECT_THAT(Found(cache, 0, two), ElementsAre(2u << 4));
}

std::vector<uint32_t> Kept(CandidateMemo& memo, uint32_t bucket, std::vector<uint64_t> key) {
  CandidateMemo::Kept kept;
  if (!memo.Find(bucket, key, CandidateMemo::Hash(bucket, key), &kept)) return {99999};
  return std::vector<uint32_t>(kept.candidates.begin(), kept.candidates.end());
}

void Keep(CandidateMemo& memo, uint32_t bucket, std::vector<uint64_t> key,
          std::vector<uint32_t> candidates) {
  memo.Insert(bucket, key, CandidateMemo::Hash(bucket, key), {.candidates = candidates});
}

TEST(CandidateMemo, KeepsCandidatesPerBucketAndExactKeyWithinItsBounds) {
  CandidateMemo memo(CandidateMemo::kWays);  // one set
  const std::vector<uint32_t> none = {99999};
  EXPECT_EQ(Kept(memo, 0, {1, 0, 7}), none);  // nothing allocated yet
  Keep(memo, 0, {1, 0, 7}, {3, 9});
  Keep(memo, 1, {1, 0, 7}, {});  // no candidate: a valid answer too
  EXPECT_THAT(Kept(memo, 0, {1, 0, 7}), ElementsAre(3u, 9u));
  EXPECT_THAT(Kept(memo, 1, {1, 0, 7}), ElementsAre());
  EXPECT_EQ(Kept(memo, 0, {1, 7, 0}), none);  // serials compare field by field
  EXPECT_EQ(Kept(memo, 0, {1, 0}), none);
  EXPECT_EQ(Kept(memo, 2, {1, 0, 7}), none);
  // Too many fields or candidates: not kept.
  Keep(memo, 0, std::vector<uint64_t>(CandidateMemo::kMaxFields + 1, 5), {1});
  EXPECT_EQ(Kept(memo, 0, std::vector<uint64_t>(CandidateMemo::kMaxFields + 1, 5)), none);
  Keep(memo, 0, {4}, std::vector<uint32_t>(CandidateMemo::kMaxCandidates + 1, 2));
  EXPECT_EQ(Kept(memo, 0, {4}), none);
  // A full set: the oldest entry goes first.
  for (uint64_t i = 0; i < CandidateMemo::kWays; ++i) Keep(memo, 0, {100 + i}, {7});
  EXPECT_EQ(Kept(memo, 0, {1, 0, 7}), none);
  EXPECT_THAT(Kept(memo, 0, {100}), ElementsAre(7u));
  memo.Reset();  // a new rule set
  EXPECT_EQ(Kept(memo, 0, {100}), none);
  EXPECT_EQ(memo.hits(), 0u);
  EXPECT_FALSE(CandidateMemo(0).enabled());
}

// Process-creation rules whose prefilter literals lie on several fields, anchored and not,
// with hits answering tests (contains, startswith, endswith, exact, |all, not filters).
constexpr char kRules[] = R"(
title: Encoded PowerShell
id: r-enc
logsource: {product: windows, category: process_creation}
detection:
  img: {Image|endswith: ['\powershell.exe', '\pwsh.exe']}
  enc: {CommandLine|windash|contains: ['-enc ', '-e ']}
  condition: img and enc
---
title: Shell from Office
id: r-office
logsource: {product: windows, category: process_creation}
detection:
  parent: {ParentImage|endswith: ['\winword.exe', '\excel.exe', '\outlook.exe', '\powerpnt.exe']}
  child: {Image|endswith: ['\cmd.exe', '\powershell.exe', '\wscript.exe', '\mshta.exe']}
  condition: parent and child
---
title: Shadow copies deleted
id: r-vss
logsource: {product: windows, category: process_creation}
detection:
  sel: {CommandLine|re: 'vssadmin(\.exe)? +delete +shadows'}
  condition: sel
---
title: Known bad import hash
id: r-imphash
logsource: {product: windows, category: process_creation}
detection:
  sel: {Hashes|contains: ['IMPHASH=AAAA1111', 'IMPHASH=BBBB2222']}
  condition: sel
---
title: Certutil download
id: r-certutil
logsource: {product: windows, category: process_creation}
detection:
  img: {OriginalFileName: CertUtil.exe}
  cmd: {CommandLine|contains|all: ['urlcache', 'http']}
  filter: {CommandLine|contains: 'microsoft.com'}
  condition: img and cmd and not filter
---
title: Tool from a user profile
id: r-profile
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|startswith: 'C:\Users\', Image|contains: '\Downloads\'}
  filter: {Image|endswith: '\Teams.exe'}
  condition: sel and not filter
)";

// A second set: the same rules after one whose literals sort first on every field, so every
// literal id moves; cached hits of the first set would name the wrong literals.
std::string SwappedRules() {
  return absl::StrCat(R"(
title: Shifts every literal id
id: r-shift
logsource: {product: windows, category: process_creation}
detection:
  sel:
    CommandLine|contains: '!!!'
    Image|endswith: '!!!'
    ParentImage|endswith: '!!!'
    Hashes|contains: '!!!'
    OriginalFileName: '!!!'
  condition: sel
---)",
                      kRules);
}

// 600 events cycling through value lists of different lengths, so values repeat with many
// combinations (as a host's process starts do) and some are unique.
std::vector<Event> Corpus() {
  const std::vector<std::string> images = {
      "C:\\Windows\\System32\\cmd.exe",
      "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
      "C:\\Windows\\System32\\certutil.exe",
      "C:\\Users\\alice\\Downloads\\tool.exe",
      "C:\\Users\\bob\\AppData\\Local\\Microsoft\\Teams\\Teams.exe",
      "C:\\Windows\\System32\\mshta.exe",
      "C:\\Windows\\System32\\vssadmin.exe"};
  const std::vector<std::string> commands = {
      "cmd.exe /c whoami",
      "powershell.exe -nop -enc SQBFAFgA",
      "powershell.exe /e SQBFAFgA",
      "certutil.exe -urlcache -f http://10.0.0.1/a.exe a.exe",
      "certutil.exe -urlcache -f http://download.microsoft.com/a a",
      "vssadmin.exe delete shadows /all /quiet",
      "vssadmin list shadows",
      "tool.exe --run"};
  const std::vector<std::string> parents = {
      "C:\\Program Files\\Microsoft Office\\WINWORD.EXE", "C:\\Windows\\explorer.exe",
      "C:\\Windows\\System32\\services.exe", "C:\\Program Files\\Microsoft Office\\EXCEL.EXE",
      "C:\\Windows\\System32\\svchost.exe"};
  const std::vector<std::string> hashes = {"SHA256=11,IMPHASH=AAAA1111", "SHA256=22,IMPHASH=CCCC",
                                           "MD5=33,IMPHASH=BBBB2222"};
  const std::vector<std::string> names = {"Cmd.Exe", "PowerShell.EXE", "CertUtil.exe", "tool.exe"};
  std::vector<Event> events;
  for (size_t i = 0; i < 600; ++i) {
    std::string command = commands[i % commands.size()];
    if (i % 5 == 0) absl::StrAppend(&command, " /t", i);  // unique values too
    events.push_back(ProcessEvent({{"Image", images[i % images.size()]},
                                   {"CommandLine", command},
                                   {"ParentImage", parents[i % parents.size()]},
                                   {"Hashes", hashes[i % hashes.size()]},
                                   {"OriginalFileName", names[i % names.size()]}}));
  }
  return events;
}

struct Outcome {
  std::vector<uint32_t> matched;
  std::vector<uint32_t> candidates;
  bool operator==(const Outcome&) const = default;
};

Outcome MatchOnce(SigmaEngine& engine, const CompiledSigmaRules& rules, const Event& e) {
  Outcome o;
  engine.Match(rules, e, &o.matched);
  o.candidates = engine.last_candidates();
  return o;
}

uint64_t Sum(const SigmaEngine& engine, const CompiledSigmaRules& rules,
             uint64_t ScanCacheStats::*counter) {
  uint64_t sum = 0;
  for (uint32_t b = 0; b < rules.buckets().size(); ++b) {
    for (uint32_t f = 0; f < rules.buckets()[b].prefilter.fields().size(); ++f) {
      sum += engine.scan_cache_stats(b, f).*counter;
    }
  }
  return sum;
}

TEST(SigmaEngineScanCache, CachedAndUncachedEvaluationAgreeWithEvictionAndARuleSwap) {
  auto first = MustCompile(kRules);
  auto second = MustCompile(SwappedRules());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  const std::vector<Event> events = Corpus();
  SigmaEngine uncached({.scan_cache_entries = 0});
  SigmaEngine tiny({.scan_cache_entries = 4});  // one set per field: evicts all the time
  // Two sets per field: the few images, parents, hashes and names stay, command lines are
  // evicted and stored again under new serials, so the candidate memo both hits and misses.
  SigmaEngine small({.scan_cache_entries = 16});
  SigmaEngine cached;  // the default size
  RuleByRuleEngine oracle;
  size_t matches = 0;
  for (const auto* rules : {first.get(), second.get(), first.get()}) {
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < events.size(); ++i) {
        const Outcome expected = MatchOnce(uncached, *rules, events[i]);
        EXPECT_EQ(MatchOnce(tiny, *rules, events[i]), expected) << "event " << i;
        EXPECT_EQ(MatchOnce(small, *rules, events[i]), expected) << "event " << i;
        EXPECT_EQ(MatchOnce(cached, *rules, events[i]), expected) << "event " << i;
        std::vector<uint32_t> by_oracle;
        oracle.Match(*rules, events[i], &by_oracle);
        EXPECT_EQ(by_oracle, expected.matched) << "event " << i;
        matches += expected.matched.size();
      }
    }
    // Counters are per rule set: each swap starts them (and the entries) over.
    EXPECT_GT(Sum(tiny, *rules, &ScanCacheStats::evictions), 0u);
    EXPECT_GT(Sum(tiny, *rules, &ScanCacheStats::hits), 0u);
    EXPECT_GT(Sum(cached, *rules, &ScanCacheStats::hits),
              Sum(cached, *rules, &ScanCacheStats::lookups) / 2);
    EXPECT_EQ(Sum(uncached, *rules, &ScanCacheStats::lookups), 0u);
  }
  // Candidates came from the memo of cached value combinations too (they are compared above).
  EXPECT_GT(cached.candidate_memo().hits(), 0u);
  EXPECT_GT(small.candidate_memo().hits(), 0u);
  // Both hit and missed (how often each depends on which values share a set: the hash's).
  EXPECT_LT(small.candidate_memo().hits(), small.candidate_memo().lookups());
  EXPECT_GT(Sum(small, *first, &ScanCacheStats::evictions), 0u);
  EXPECT_EQ(uncached.candidate_memo().lookups(), 0u);
  EXPECT_GT(matches, 600u);  // the corpus does exercise the rules
}

}  // namespace
}  // namespace otasuke::agent::sigma
