// The prefilter's literal scanners: both backends find every occurrence of every literal,
// folding ASCII case themselves (the engine scans field values as they are).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "agent/sigma/literal_scanner.h"
#include "agent/sigma/value_matcher.h"

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
  for (int i = 0; i < 200; ++i) patterns.push_back("filler-" + std::to_string(i) + "-x");
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

}  // namespace
}  // namespace otasuke::agent::sigma
