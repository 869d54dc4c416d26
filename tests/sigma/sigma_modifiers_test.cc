// Every value modifier, through real rules evaluated by both engines.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "agent/sigma/modifiers.h"
#include "agent/sigma/value_matcher.h"
#include "tests/sigma/sigma_test_util.h"

namespace otasuke::agent::sigma {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MatchIds;
using testing::MustCompile;
using testing::ProcessEvent;

std::string OneSelectionRule(const std::string& selection) {
  return "title: T\nid: r\nlogsource: {product: windows, category: process_creation}\n"
         "detection:\n  sel:\n" +
         selection + "\n  condition: sel\n";
}

bool Fires(const std::string& selection, std::vector<std::pair<std::string, std::string>> fields) {
  auto rules = MustCompile(OneSelectionRule(selection));
  if (rules == nullptr) return false;
  return !MatchIds(*rules, ProcessEvent(std::move(fields))).empty();
}

// LowerAscii folds eight bytes at a time: every byte value, in every lane, next to every
// kind of neighbour (carries must not cross lanes), plus the byte-wise tail.
TEST(SigmaModifiers, LowerAsciiFoldsExactlyAsciiUppercase) {
  std::string in(11, 'x'), out;
  for (size_t lane = 0; lane < in.size(); ++lane) {
    for (int b = 0; b < 256; ++b) {
      for (int neighbour = 0; neighbour < 256; neighbour += 15) {
        in.assign(in.size(), static_cast<char>(neighbour));
        in[lane] = static_cast<char>(b);
        LowerAscii(in, &out);
        ASSERT_EQ(out.size(), in.size());
        for (size_t k = 0; k < in.size(); ++k) {
          const auto c = static_cast<unsigned char>(in[k]);
          const int expected = c >= 'A' && c <= 'Z' ? c + 32 : c;
          ASSERT_EQ(static_cast<unsigned char>(out[k]), expected) << lane << " " << b;
        }
      }
    }
  }
}

TEST(SigmaModifiers, ContainsStartsEndsAllCased) {
  EXPECT_TRUE(Fires("    CommandLine|contains: 'ABC'", {{"CommandLine", "xxabcxx"}}));
  EXPECT_TRUE(Fires("    CommandLine|startswith: 'ab'", {{"CommandLine", "ABc"}}));
  EXPECT_FALSE(Fires("    CommandLine|startswith: 'bc'", {{"CommandLine", "abc"}}));
  EXPECT_TRUE(Fires("    CommandLine|endswith: 'BC'", {{"CommandLine", "abc"}}));
  EXPECT_TRUE(Fires("    CommandLine|contains|all: [a, b]", {{"CommandLine", "b a"}}));
  EXPECT_FALSE(Fires("    CommandLine|contains|all: [a, z]", {{"CommandLine", "b a"}}));
  EXPECT_FALSE(Fires("    CommandLine|contains|cased: 'ABC'", {{"CommandLine", "abc"}}));
  EXPECT_TRUE(Fires("    CommandLine|contains|cased: 'ABC'", {{"CommandLine", "xABCx"}}));
}

TEST(SigmaModifiers, RegexWithFlags) {
  EXPECT_TRUE(Fires("    CommandLine|re: '^a.c$'", {{"CommandLine", "abc"}}));
  EXPECT_FALSE(Fires("    CommandLine|re: '^a.c$'", {{"CommandLine", "ABC"}}));  // re is cased
  EXPECT_TRUE(Fires("    CommandLine|re|i: '^a.c$'", {{"CommandLine", "ABC"}}));
  EXPECT_FALSE(Fires("    CommandLine|re: '^b$'", {{"CommandLine", "a\nb"}}));
  EXPECT_TRUE(Fires("    CommandLine|re|m: '^b$'", {{"CommandLine", "a\nb"}}));
  EXPECT_FALSE(Fires("    CommandLine|re: 'a.b'", {{"CommandLine", "a\nb"}}));
  EXPECT_TRUE(Fires("    CommandLine|re|s: 'a.b'", {{"CommandLine", "a\nb"}}));
}

// A rule file's backtracking pattern ends at the match limit as no match (PCRE2's default limit
// of 10,000,000 steps took ~0.2 s on this event; ours ~100 times less), and the same pattern
// still matches normally.
TEST(SigmaModifiers, CatastrophicRegexHitsTheMatchLimitInsteadOfHanging) {
  absl::StatusOr<RegexMatcher> re = RegexMatcher::Compile("^(a+)+$", false, false, false);
  ASSERT_TRUE(re.ok()) << re.status();
  EXPECT_FALSE(re->Matches(std::string(64, 'a') + "!"));
  EXPECT_TRUE(re->Matches(std::string(64, 'a')));
  EXPECT_FALSE(
      Fires("    CommandLine|re: '^(a+)+$'", {{"CommandLine", std::string(64, 'a') + "!"}}));
}

TEST(SigmaModifiers, RegexRequiredLiteralForThePrefilter) {
  EXPECT_EQ(RegexRequiredLiteral(R"((?i)\.exe["']?\s+[^"]{0,64}werfaultsecure\.exe)"),
            "werfaultsecure.exe");
  EXPECT_EQ(RegexRequiredLiteral("cmd.{0,5}(?:/c|/r).+powershell.+x"), "powershell");
  EXPECT_EQ(RegexRequiredLiteral("abc|defgh"), "");   // top-level alternation
  EXPECT_EQ(RegexRequiredLiteral("abcd?ef"), "abc");  // optional char ends the run
  EXPECT_EQ(RegexRequiredLiteral("ab+cdef"), "cdef");
  EXPECT_EQ(RegexRequiredLiteral(R"(Mimi\x41katz)"), "mimi");  // escapes with arguments stop
  // ... but a top-level alternation after the stop still makes nothing required (found by
  // sigma_regex_literals_fuzzer: " a \E|c" matched "zc" without " a ").
  EXPECT_EQ(RegexRequiredLiteral(R"(Mimi\x41katz|other)"), "");
  EXPECT_EQ(RegexRequiredLiteral(R"( a \E|c)"), "");
  EXPECT_EQ(RegexRequiredLiteral(R"(abc\1(x|y))"), "");  // any '|' after the stop gives up
  // A counted quantifier after '.', or after a byte that is no literal here, is no literal:
  // before, '.{0,5}' made "0,5" a required literal and gated the regex on it.
  EXPECT_EQ(RegexRequiredLiterals("cmd.{0,5}x"), (std::vector<std::string>{"cmd", "x"}));
  EXPECT_EQ(RegexRequiredLiterals("}{0,3}e*f+"), (std::vector<std::string>{"f"}));
  EXPECT_EQ(RegexRequiredLiterals("a.{2}"), (std::vector<std::string>{"a"}));
  // Braces holding anything but digits, commas and spaces are literal text.
  EXPECT_EQ(RegexRequiredLiterals("ab{x}cd"), (std::vector<std::string>{"ab", "x", "cd"}));
  EXPECT_EQ(RegexRequiredLiterals("ab{2}c{0,1}d"), (std::vector<std::string>{"ab", "d"}));
  // A callout's string may hold ')': (?C#)#) is one callout, nothing is required.
  EXPECT_EQ(RegexRequiredLiterals("(?C#)#)"), (std::vector<std::string>{}));
  EXPECT_EQ(RegexRequiredLiteral("[abc]+longer_literal"), "longer_literal");
  EXPECT_EQ(RegexRequiredLiteral("(foo|bar)baz"), "baz");
  EXPECT_EQ(RegexRequiredLiteral(R"(\\\\server\\share)"), R"(\\server\share)");
}

// The required literal gates the regex in the engine (and feeds the prefilter): it must occur,
// caseless, in every value the regex matches. Each subject below is matched by its pattern (so
// the case is not vacuous); the constructs are those that make a naive reader name text that
// is not required: alternation, optional parts, classes with ']' first or POSIX names, inline
// flags (x), verbs ((*UTF) folds 'k' with U+212A), quoting and comments holding '(' or '|'.
TEST(SigmaModifiers, RegexRequiredLiteralOccursInEveryMatch) {
  const std::pair<std::string, std::string> cases[] = {
      {"abc|defgh", "defgh"},
      {"xyz(abc)?def", "xyzdef"},
      {"(abc)*defg", "defg"},
      {"abcd?ef", "abcef"},
      {"ab*?cd", "acd"},
      {"a{0}bcd", "bcd"},
      {"a{0,2}bcd", "bcd"},
      {"[^]abc]xyz", "dxyz"},
      {"[]abc]def", "]def"},
      {"q[[:alpha:]abc]+", "qz"},
      {"q[[:alpha:]]abc", "qzabc"},
      {"(a[)]b)|c", "c"},
      {"(?x) a b c", "abc"},
      {"q(?ix) a b", "qab"},
      {"(*UTF)(?i)kelvin",
       "\xE2\x84\xAA"
       "elvin"},
      {"abc(?#(x)|def", "def"},
      {"abc(\\Q(\\E)|def", "def"},
      {"(?i)WERFAULT\\.exe", "werfault.EXE"},
      {"PowerShell.+-enc", "POWERSHELL x -ENC"},
      {"(?:/c|/r)\\s+whoami", "/r  WHOAMI"},
      {"\\(abc\\)", "(ABC)"},
      {"a\\n\\t?b\\x41", "a\nbA"},
      // Found by sigma_regex_literals_fuzzer: a '|' after an escape that ends the reading, and
      // after a '{' that is no count, is still a top-level alternation.
      {"cmd(\\.exe)?\\s+/e+s\\cc\t[^]x]+\\`|", "0m"},
      {"abc\\x41|def", "def"},
      {"abc{|x}", "x}"},
      {"abc{a}d|e", "e"},
      {"2]]][^x[^]x]cm%(\\c(d)?s+[]+\\x]+|", "^|"},  // \c( is one byte, not a group
      {"x[\\c]abc]", "xA"},
      {".{0,}", ""},
      {"a.{2,3}bc", "axxbc"},
      {"https?://0[0-9]{1,11}", "HTTP://0127001"},
  };
  for (const auto& [pattern, subject] : cases) {
    const absl::StatusOr<RegexMatcher> re = RegexMatcher::Compile(pattern, true, false, false);
    ASSERT_TRUE(re.ok()) << pattern << ": " << re.status();
    ASSERT_TRUE(re->Matches(subject)) << pattern << " on " << subject;
    std::string lowered;
    LowerAscii(subject, &lowered);
    for (const std::string& literal : re->required_literals()) {
      EXPECT_NE(lowered.find(literal), std::string::npos)
          << pattern << " names '" << literal << "', absent from " << subject;
    }
  }
  // Counts that may be zero are optional ("{,3}" is {0,3} from PCRE2 10.43); a count from 1
  // keeps its character.
  EXPECT_EQ(RegexRequiredLiteral("ab{,3}cd"), "cd");
  EXPECT_EQ(RegexRequiredLiteral("ab{ 1}cd"), "cd");
  EXPECT_EQ(RegexRequiredLiteral("xab{2}"), "xab");
  // What is still named where it is sound.
  EXPECT_EQ(RegexRequiredLiteral("[^]abc]xyz"), "xyz");
  EXPECT_EQ(RegexRequiredLiteral("(a[)]b)cde"), "cde");
  EXPECT_EQ(RegexRequiredLiteral("(?i)abc(?-i)de"), "abc");
  EXPECT_THAT(RegexRequiredLiterals(R"(https?://0[0-9]{1,11}\.x)"),
              ElementsAre("http", "://0", ".x"));
  EXPECT_THAT(RegexRequiredLiterals(R"(\n\tx\d+\r)"), ElementsAre("\n\tx", "\r"));
}

TEST(SigmaModifiers, Cidr) {
  EXPECT_TRUE(Fires("    DestinationIp|cidr: 10.0.0.0/8", {{"DestinationIp", "10.2.3.4"}}));
  EXPECT_FALSE(Fires("    DestinationIp|cidr: 10.0.0.0/8", {{"DestinationIp", "11.2.3.4"}}));
  EXPECT_TRUE(Fires("    DestinationIp|cidr: 'fe80::/10'", {{"DestinationIp", "fe80::1"}}));
  EXPECT_FALSE(Fires("    DestinationIp|cidr: 'fe80::/10'", {{"DestinationIp", "2001:db8::1"}}));
  EXPECT_FALSE(Fires("    DestinationIp|cidr: 10.0.0.0/8", {{"DestinationIp", "not-an-ip"}}));
}

TEST(SigmaModifiers, Base64AndBase64Offset) {
  std::string encoded;
  absl::Base64Escape("hello world", &encoded);
  EXPECT_TRUE(Fires("    CommandLine|base64: 'hello world'", {{"CommandLine", encoded}}));
  // The value embedded at each offset in a longer base64 stream is found.
  for (const std::string prefix : {"", "x", "xy"}) {
    std::string stream;
    absl::Base64Escape(prefix + "Invoke-Mimikatz -DumpCreds", &stream);
    EXPECT_TRUE(Fires("    CommandLine|base64offset|contains: 'Invoke-Mimikatz'",
                      {{"CommandLine", "powershell -enc " + stream}}))
        << "offset " << prefix.size();
  }
}

TEST(SigmaModifiers, Utf16AndWide) {
  const std::string le("a\0b\0", 4);
  const std::string be("\0a\0b", 4);
  EXPECT_TRUE(Fires("    CommandLine|utf16le|contains: 'ab'", {{"CommandLine", "x" + le + "y"}}));
  EXPECT_TRUE(Fires("    CommandLine|wide|contains: 'ab'", {{"CommandLine", le}}));
  EXPECT_TRUE(Fires("    CommandLine|utf16be|contains: 'ab'", {{"CommandLine", be}}));
  EXPECT_TRUE(Fires("    CommandLine|utf16|startswith: 'ab'", {{"CommandLine", "\xFF\xFE" + le}}));
  std::string enc;
  absl::Base64Escape(le, &enc);
  EXPECT_TRUE(Fires("    CommandLine|wide|base64: 'ab'", {{"CommandLine", enc}}));
}

TEST(SigmaModifiers, Windash) {
  const std::string sel = "    CommandLine|windash|contains: ' -enc '";
  EXPECT_TRUE(Fires(sel, {{"CommandLine", "powershell -enc AAA"}}));
  EXPECT_TRUE(Fires(sel, {{"CommandLine", "powershell /enc AAA"}}));
  EXPECT_TRUE(Fires(sel, {{"CommandLine",
                           "powershell \xE2\x80\x93"
                           "enc AAA"}}));
  EXPECT_FALSE(Fires(sel, {{"CommandLine", "powershell +enc AAA"}}));
}

TEST(SigmaModifiers, ExistsNumericAndFieldref) {
  EXPECT_TRUE(Fires("    User|exists: true", {{"User", ""}}));
  EXPECT_FALSE(Fires("    User|exists: true", {{"Image", "x"}}));
  EXPECT_TRUE(Fires("    User|exists: false", {{"Image", "x"}}));
  EXPECT_TRUE(Fires("    ProcessId|gt: 100", {{"ProcessId", "101"}}));
  EXPECT_FALSE(Fires("    ProcessId|gt: 100", {{"ProcessId", "100"}}));
  EXPECT_TRUE(Fires("    ProcessId|gte: 100", {{"ProcessId", "100"}}));
  EXPECT_TRUE(Fires("    ProcessId|lt: 0x10", {{"ProcessId", "15"}}));
  EXPECT_TRUE(Fires("    ProcessId|lte: 15", {{"ProcessId", "0xf"}}));
  EXPECT_FALSE(Fires("    ProcessId|lt: 10", {{"ProcessId", "abc"}}));
  EXPECT_TRUE(
      Fires("    ParentImage|fieldref: Image", {{"Image", "A.exe"}, {"ParentImage", "a.EXE"}}));
  EXPECT_FALSE(Fires("    ParentImage|fieldref: Image", {{"Image", "a"}, {"ParentImage", "b"}}));
}

TEST(SigmaModifiers, BadModifiersAreReportedNotLoaded) {
  struct Case {
    std::string selection;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"    Image|bogus: x", "unknown-modifier"},
      {"    Image|contains|endswith: x", "bad-modifier-combination"},
      {"    Image|re: '('", "bad-regex"},
      {"    Image|cidr: 10.0.0.0/99", "bad-cidr"},
      {"    Image|gt: abc", "bad-value"},
      {"    Image|exists: maybe", "bad-value"},
      {"    Image|base64: 'a*b'", "bad-value"},
      {"    Image|i: x", "bad-modifier-combination"},
      {"    Image|windash|re: x", "bad-modifier-combination"},
  };
  for (const Case& c : cases) {
    auto result =
        CompileSigmaRules({{.path = "bad.yml", .content = OneSelectionRule(c.selection)}});
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result->report.errors.size(), 1u) << c.selection;
    EXPECT_EQ(result->report.errors[0].code, c.code) << result->report.errors[0].ToString();
    EXPECT_THAT(result->report.errors[0].ToString(), ::testing::StartsWith("bad.yml:6: rule r: "));
  }
}

TEST(SigmaModifiers, TableListsEveryModifierOnce) {
  std::set<std::string_view> names;
  for (const ModifierDescriptor& d : ModifierTable()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_FALSE(d.description.empty());
  }
  for (const char* required : {"contains", "startswith", "endswith", "all", "re", "cidr", "base64",
                               "base64offset", "utf16le", "utf16be", "wide", "windash", "exists",
                               "cased", "gt", "gte", "lt", "lte", "fieldref"}) {
    EXPECT_TRUE(names.count(required)) << required;
  }
}

}  // namespace
}  // namespace otasuke::agent::sigma
