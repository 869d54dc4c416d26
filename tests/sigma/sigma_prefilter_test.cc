// The prefilter's literal scanners: both backends find every occurrence of every literal,
// folding ASCII case themselves (the engine scans field values as they are); anchored
// literals are found exactly where their anchor puts them; and the engine, using anchored
// literals for startswith / endswith / exact tests, agrees with the oracle.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "agent/sigma/aho_corasick.h"
#include "agent/sigma/anchored_literals.h"
#include "agent/sigma/literal_scanner.h"
#include "agent/sigma/value_matcher.h"
#include "tests/sigma/sigma_test_util.h"

namespace otasuke::agent::sigma {
namespace {

using ::testing::UnorderedElementsAreArray;

// (pattern, end) of every occurrence, by brute force over the lowercased text.
std::vector<std::pair<uint32_t, size_t>> BruteForce(const std::vector<std::string>& patterns,
                                                    std::string_view text) {
  std::string lowered;
  LowerAscii(text, &lowered);
  std::vector<std::pair<uint32_t, size_t>> out;
  for (uint32_t id = 0; id < patterns.size(); ++id) {
    for (size_t at = lowered.find(patterns[id]); at != std::string::npos;
         at = lowered.find(patterns[id], at + 1)) {
      out.emplace_back(id, at + patterns[id].size());
    }
  }
  return out;
}

std::vector<std::pair<uint32_t, size_t>> Scan(const LiteralScanner& scanner,
                                              std::string_view text) {
  LiteralScratch scratch;
  scanner.Prepare(scratch);
  std::vector<std::pair<uint32_t, size_t>> out;
  scanner.Scan(text, scratch, [&](uint32_t id, size_t end) { out.emplace_back(id, end); });
  return out;
}

TEST(LiteralScanner, BothBackendsFoldAsciiCaseAndReportEveryOccurrence) {
  // Enough patterns for Hyperscan to take them (small sets stay with the automaton).
  std::vector<std::string> patterns = {"\\cmd.exe", "cmd", ".exe", "-enc", "\xc3\xa9t\xc3\xa9"};
  for (int i = 0; i < 300; ++i) patterns.push_back("filler-" + std::to_string(i) + "-x");
  const std::string texts[] = {
      "C:\\WINDOWS\\System32\\CMD.EXE /c Cmd.exe -ENC abc",
      "powershell -Enc FILLER-17-X filler-170-x",
      "\xc3\xa9T\xc3\xa9 \xc3\x89T\xc3\x89",  // bytes >= 0x80 are not folded
      "",
  };
  for (const bool hyperscan : {false, true}) {
    const LiteralScanner scanner = LiteralScanner::Build(patterns, hyperscan);
    if (hyperscan && !LiteralScanner::HyperscanBuiltIn()) continue;
    EXPECT_EQ(scanner.backend() == LiteralScanner::Backend::kHyperscan, hyperscan);
    for (const std::string& text : texts) {
      EXPECT_THAT(Scan(scanner, text), UnorderedElementsAreArray(BruteForce(patterns, text)))
          << (hyperscan ? "hyperscan: " : "aho-corasick: ") << text;
    }
  }
}

std::vector<std::pair<uint32_t, size_t>> ScanAutomaton(const AhoCorasick& automaton,
                                                       std::string_view text) {
  std::vector<std::pair<uint32_t, size_t>> out;
  automaton.Scan(text, [&](uint32_t id, size_t end) { out.emplace_back(id, end); });
  return out;
}

// Patterns longer than the walked suffix are reported only where the whole pattern lies (also
// when the suffix occurs too near the text's start for its head), several long patterns may
// share one suffix, patterns with bytes >= 0x80 are found in texts that hold such bytes, and
// an automaton of 32,768 states or more (32-bit transitions) finds what a small one finds.
TEST(AhoCorasick, FindsWholePatternsWalkedBySuffixInBothAutomata) {
  std::vector<std::string> patterns = {
      "c:\\windows\\system32\\cmd.exe",  // a long head
      "\\system32\\cmd.exe",             // the same suffix
      "xsystem32\\cmd.exe",
      "cmd.exe",
      "md.",
      "-enc",
      "\xe2\x80\x93"
      "enc",  // en dash, walked by the second automaton
      "\xc3\xa9t\xc3\xa9 long enough to be cut",
      "a",
  };
  const std::string texts[] = {
      "C:\\Windows\\System32\\CMD.EXE -ENC abc",
      "D:\\Windows\\System32\\cmd.exe",  // the long pattern's suffix without its head
      "system32\\cmd.exe",               // suffixes at the very start
      "powershell \xe2\x80\x93"
      "Enc x \xe2\x80\x94"
      "enc",
      "\xc3\xa9t\xc3\xa9 LONG enough to be cut \xc3\x89t\xc3\xa9 long enough to be cut",
      "aaa",
      "",
  };
  for (const size_t suffix : {size_t{1}, size_t{3}, size_t{12}, size_t{64}}) {
    const AhoCorasick automaton = AhoCorasick::Build(patterns, suffix);
    for (const std::string& text : texts) {
      EXPECT_THAT(ScanAutomaton(automaton, text),
                  UnorderedElementsAreArray(BruteForce(patterns, text)))
          << "suffix " << suffix << ": " << text;
    }
  }
  // More than 32,767 states: the 32-bit table.
  std::vector<std::string> many = patterns;
  for (int i = 0; i < 8000; ++i) many.push_back("many-" + std::to_string(i * 7919) + "-z");
  const AhoCorasick large = AhoCorasick::Build(many);
  EXPECT_GE(large.state_count(), 32768u);
  for (const std::string& text :
       {std::string(texts[0]) + " many-7919-Z many-1-z many-79190-z", std::string(texts[3])}) {
    EXPECT_THAT(ScanAutomaton(large, text), UnorderedElementsAreArray(BruteForce(many, text)))
        << text;
  }
}

TEST(AnchoredLiterals, FindsLiteralsOnlyAtTheirAnchorInAnyCase) {
  using A = AnchoredLiterals::Anchor;
  const std::vector<AnchoredLiterals::Literal> literals = {
      {"\\cmd.exe", A::kEnd},  {"cmd.exe", A::kEnd},    {".exe", A::kEnd},
      {"cmd.exe", A::kWhole},  {"c:\\", A::kStart},     {"c:\\windows\\", A::kStart},
      {"\xc3\xa9", A::kWhole}, {"rundll32", A::kWhole}, {"x", A::kStart},
  };
  const AnchoredLiterals anchored = AnchoredLiterals::Build(literals);
  EXPECT_EQ(anchored.size(), literals.size());
  const std::string texts[] = {
      "C:\\Windows\\System32\\CMD.EXE",
      "cmd.exe",
      "CMD.exe ",
      "c:\\",
      "\xc3\xa9",
      "\xc3\x89",
      "rundll32.exe",
      "xrundll32",
      "",
      "X:\\cmd.exe.exe",
  };
  for (const std::string& text : texts) {
    std::string lowered;
    LowerAscii(text, &lowered);
    std::vector<std::pair<uint32_t, size_t>> expected;
    for (uint32_t id = 0; id < literals.size(); ++id) {
      const std::string& l = literals[id].text;
      const bool starts = lowered.compare(0, l.size(), l) == 0 && lowered.size() >= l.size();
      const bool ends = lowered.size() >= l.size() &&
                        lowered.compare(lowered.size() - l.size(), l.size(), l) == 0;
      switch (literals[id].anchor) {
        case A::kStart:
          if (starts) expected.emplace_back(id, l.size());
          break;
        case A::kEnd:
          if (ends) expected.emplace_back(id, lowered.size());
          break;
        case A::kWhole:
          if (lowered == l) expected.emplace_back(id, lowered.size());
          break;
      }
    }
    std::vector<std::pair<uint32_t, size_t>> found;
    anchored.Scan(text, [&](uint32_t id, size_t end) { found.emplace_back(id, end); });
    EXPECT_THAT(found, UnorderedElementsAreArray(expected)) << text;
  }
  EXPECT_TRUE(AnchoredLiterals::Build({}).empty());
}

// Anchored literals must not change a single match: the same text anchored in one rule and
// contained in another, a rule's later clause hit only away from its anchor, prefixes that are
// whole values, exact values in another case, a
// value that holds the literal only away from its anchor, and cased tests.
TEST(SigmaEngine, AnchoredLiteralsAgreeWithTheOracle) {
  auto rules = testing::MustCompile(R"(
title: suffix
id: r-suffix
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: ['\cmd.exe', '\pwsh.exe']
  condition: selection
---
title: contains
id: r-contains
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|contains: '\cmd.exe'
    CommandLine|startswith: 'cmd /c'
  condition: selection
---
title: exact and prefix
id: r-exact
logsource: {product: windows, category: process_creation}
detection:
  exact:
    OriginalFileName: 'Cmd.Exe'
  prefix:
    ParentImage|startswith: 'C:\Temp\'
  cased:
    Product|cased: 'Tool'
  condition: exact or prefix or cased
)");
  ASSERT_NE(rules, nullptr);
  size_t anchored = 0;
  for (const LogSourceBucket& b : rules->buckets()) {
    for (const Prefilter::FieldScan& f : b.prefilter.fields()) anchored += f.anchored.size();
  }
  EXPECT_EQ(anchored, 5u);  // all but the contains test and the cased test of "Tool"
  using Fields = std::vector<std::pair<std::string, std::string>>;
  const std::pair<Fields, std::vector<std::string>> cases[] = {
      {{{"Image", "C:\\Windows\\CMD.EXE"}}, {"r-suffix"}},
      {{{"Image", "C:\\cmd.exe\\x.exe"}, {"CommandLine", "CMD /C dir"}}, {"r-contains"}},
      {{{"Image", "C:\\cmd.exe"}, {"CommandLine", "cmd /c dir"}}, {"r-suffix", "r-contains"}},
      {{{"Image", "\\pwsh.exe"}, {"CommandLine", "x cmd /c"}}, {"r-suffix"}},
      // The first clause (Image) hit, the later one only away from its anchor.
      {{{"Image", "C:\\cmd.exe\\x.exe"}, {"CommandLine", "x cmd /c"}}, {}},
      {{{"Image", "pwsh.exe"}}, {}},
      {{{"OriginalFileName", "CMD.EXE"}}, {"r-exact"}},
      {{{"OriginalFileName", "xcmd.exe"}}, {}},
      {{{"OriginalFileName", "cmd.exe "}}, {}},
      {{{"ParentImage", "c:\\temp\\"}}, {"r-exact"}},
      {{{"ParentImage", "D:\\c:\\temp\\x"}}, {}},
      {{{"Product", "tool"}}, {}},
      {{{"Product", "Tool"}}, {"r-exact"}},
  };
  for (const auto& [fields, expected] : cases) {
    EXPECT_EQ(testing::MatchIds(*rules, testing::ProcessEvent(fields)), expected)
        << fields[0].second;
  }
}

// A long list of values sharing a few 3-byte prefixes (the emoji rules' thousands of 4-byte
// literals) is looked for by those prefixes only; the exact test decides, with the oracle's
// answers, also for values holding a prefix but none of the listed values.
TEST(SigmaEngine, ManyValuesSharingPrefixesAreLookedForByThePrefixes) {
  std::string yaml = R"(
title: emoji
id: r-emoji
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|contains:
)";
  const std::string prefixes[] = {"\xf0\x9f\x98", "\xf0\x9f\x99", "\xf0\x9f\x9a", "\xf0\x9f\x9b"};
  for (const std::string& p : prefixes) {
    for (int last = 0x80; last < 0xc0; ++last) {
      yaml += "      - '" + p + static_cast<char>(last) + "'\n";
    }
  }
  yaml += "  condition: selection\n";
  auto rules = testing::MustCompile(yaml);
  ASSERT_NE(rules, nullptr);
  size_t scanned = 0;
  for (const LogSourceBucket& b : rules->buckets()) {
    for (const Prefilter::FieldScan& f : b.prefilter.fields()) scanned += f.scanned_count;
  }
  EXPECT_EQ(scanned, 4u);  // the prefixes, not the 256 values
  using Fields = std::vector<std::pair<std::string, std::string>>;
  const std::pair<Fields, std::vector<std::string>> cases[] = {
      {{{"CommandLine", "echo \xf0\x9f\x98\x81 done"}}, {"r-emoji"}},
      {{{"CommandLine", "\xf0\x9f\x9b\xbf"}}, {"r-emoji"}},
      {{{"CommandLine", "echo \xf0\x9f\x98 done"}}, {}},  // a prefix, no listed value
      {{{"CommandLine", "echo \xf0\x9f\x9c\x81"}}, {}},   // another prefix
      {{{"CommandLine", "echo plain"}}, {}},
  };
  for (const auto& [fields, expected] : cases) {
    EXPECT_EQ(testing::MatchIds(*rules, testing::ProcessEvent(fields)), expected)
        << fields[0].second;
  }
}

}  // namespace
}  // namespace otasuke::agent::sigma
