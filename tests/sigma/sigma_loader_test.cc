// Loader and condition parser: every bad input gets a positioned, coded error; the other
// rules of the set still load; strict mode fails the set.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/condition.h"
#include "tests/sigma/condition_tree_value.h"

namespace otasuke::agent::sigma {
namespace {

using ::testing::HasSubstr;

constexpr char kGood[] = R"(title: Good
id: good-1
logsource: {product: linux, category: process_creation}
detection:
  sel: {Image|endswith: /nc}
  condition: sel
)";

struct BadCase {
  const char* yaml;
  const char* code;
  const char* message_part;
};

TEST(SigmaLoader, EachBadRuleIsReportedWithPositionAndReason) {
  const std::vector<BadCase> cases = {
      {"title: [unclosed\n", "yaml-syntax", ""},
      // yaml-cpp 0.7's LoadAll would collect empty documents here until memory ran out.
      {",z?\n", "yaml-syntax", "no YAML document can start here"},
      {"!,z?", "yaml-syntax", "no YAML document can start here"},
      {"- a\n- b\n", "not-a-rule", "not a YAML map"},
      {"id: x1\nlogsource: {product: linux}\ndetection: {sel: {a: b}, condition: sel}\n",
       "missing-title", ""},
      {"title: t\nid: x2\ndetection: {sel: {a: b}, condition: sel}\n", "missing-logsource", ""},
      {"title: t\nid: x3\nlogsource: {product: linux}\n", "missing-detection", ""},
      {"title: t\nid: x4\nlogsource: {product: linux}\ndetection: {sel: {a: b}}\n",
       "missing-condition", ""},
      {"title: t\nid: x5\nlogsource: {product: linux}\ndetection: {sel: {a: b}, condition: nope}\n",
       "bad-condition", "unknown selection"},
      {"title: t\nid: x6\nlogsource: {product: linux}\n"
       "detection: {sel: {a: b}, condition: 'sel | count() > 5'}\n",
       "bad-condition", "aggregation"},
      {"title: t\nid: x7\nlevel: severe\nlogsource: {product: linux}\n"
       "detection: {sel: {a: b}, condition: sel}\n",
       "bad-level", ""},
      {"title: t\nid: x8\nlogsource: {product: linux}\ndetection: {sel: [], condition: sel}\n",
       "bad-detection", ""},
      {"title: t\nid: x9\nlogsource: {product: linux}\n"
       "detection: {sel: [{a: b}, kw], condition: sel}\n",
       "bad-detection", "mixes"},
      {"title: t\nid: good-1\nlogsource: {product: linux}\ndetection: {sel: {a: b}, condition: "
       "sel}\n",
       "duplicate-id", ""},
      {"title: t\nid: x10\naction: global\n", "unsupported-feature", ""},
  };
  for (const BadCase& c : cases) {
    auto result = CompileSigmaRules(
        {{.path = "good.yml", .content = kGood}, {.path = "bad.yml", .content = c.yaml}});
    ASSERT_TRUE(result.ok()) << c.yaml;
    const LoadReport& r = result->report;
    EXPECT_EQ(r.rules_loaded, 1u) << c.yaml;  // the good rule still loads
    ASSERT_EQ(r.errors.size(), 1u) << c.yaml;
    EXPECT_EQ(r.errors[0].code, c.code) << r.errors[0].ToString();
    EXPECT_EQ(r.errors[0].file, "bad.yml");
    EXPECT_GE(r.errors[0].line, 1) << r.errors[0].ToString();
    EXPECT_THAT(r.errors[0].message, HasSubstr(c.message_part));
    EXPECT_EQ(r.errors_by_reason.at(c.code), 1u);
    EXPECT_THAT(r.Summary(), HasSubstr(c.code));
  }
}

TEST(SigmaLoader, ErrorNamesFileLineAndRuleId) {
  auto result = CompileSigmaRules({{.path = "rules/x.yml",
                                    .content = "title: t\nid: abc\nlogsource: {product: linux}\n"
                                               "detection:\n  sel:\n    Image|nope: x\n"
                                               "  condition: sel\n"}});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->report.errors.size(), 1u);
  EXPECT_EQ(result->report.errors[0].ToString(),
            "rules/x.yml:6: rule abc: unknown-modifier: unknown modifier 'nope' in 'Image|nope' "
            "in selection 'sel'");
}

TEST(SigmaLoader, StrictModeFailsTheSet) {
  auto result = CompileSigmaRules(
      {{.path = "good.yml", .content = kGood}, {.path = "bad.yml", .content = "title: [x\n"}},
      {.strict = true, .ruleset_version = ""});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("bad.yml:"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("strict"));
}

TEST(SigmaLoader, MultiDocumentFileAndSeveralConditions) {
  auto result = CompileSigmaRules({{.path = "m.yml", .content = std::string(kGood) + R"(---
title: Two conditions
id: two
logsource: {product: linux, category: process_creation}
detection:
  a: {Image: a}
  b: {Image: b}
  condition: [a, b]
)"}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->report.rules_loaded, 2u);
  const DetectionRule& r = result->rules->rules()[1];
  EXPECT_EQ(PrintCondition(*r.condition, {"a", "b"}), "(a or b)");
}

TEST(SigmaCondition, ParsesAndPrintsCanonically) {
  const std::vector<std::string> names = {"sel_a", "sel_b", "filter", "_private"};
  struct Case {
    const char* text;
    const char* printed;
  };
  for (const Case& c : std::vector<Case>{
           {"sel_a and not filter", "(sel_a and not filter)"},
           {"sel_a or sel_b and filter", "(sel_a or (sel_b and filter))"},
           {"(sel_a or sel_b) and not filter", "((sel_a or sel_b) and not filter)"},
           {"1 of sel_*", "1 of (sel_a, sel_b)"},
           {"all of them", "all of (sel_a, sel_b, filter)"},
           {"any of sel* and not 1 of filter", "(1 of (sel_a, sel_b) and not 1 of (filter))"},
           {"NOT sel_a AND sel_b", "(not sel_a and sel_b)"},
       }) {
    auto node = ParseCondition(c.text, names);
    ASSERT_TRUE(node.ok()) << c.text << ": " << node.status();
    EXPECT_EQ(PrintCondition(**node, names), c.printed) << c.text;
  }
}

// The engine runs conditions as flat programs (ConditionProgram): same answer as the tree for
// every combination of selection results.
TEST(SigmaCondition, ProgramAgreesWithTheTree) {
  const std::vector<std::string> names = {"sel_a", "sel_b", "filter_x", "filter_y", "c"};
  for (const char* text :
       {"sel_a", "not sel_a", "sel_a and sel_b", "sel_a or sel_b", "sel_a and not 1 of filter_*",
        "all of sel_* and not filter_x", "(sel_a or sel_b) and not (filter_x or filter_y) or c",
        "2 of them", "all of them", "not (sel_a and (sel_b or not c))",
        "1 of sel_* or all of filter_* and c", "not not sel_a or not c",
        "sel_a and sel_b and c or filter_x and filter_y"}) {
    auto node = ParseCondition(text, names);
    ASSERT_TRUE(node.ok()) << text << ": " << node.status();
    const ConditionProgram program = ConditionProgram::Compile(**node);
    for (uint32_t bits = 0; bits < (1u << names.size()); ++bits) {
      auto selection = [&](uint32_t s) { return ((bits >> s) & 1) != 0; };
      EXPECT_EQ(program.Run(selection), testing::TreeValue(**node, selection))
          << text << " with results " << bits;
    }
  }
}

TEST(SigmaCondition, ErrorsSayWhereAndWhy) {
  const std::vector<std::string> names = {"a", "b"};
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "empty condition"},
           {"a and", "column 6: expected a selection name at end of condition"},
           {"(a or b", "expected ')'"},
           {"a b", "column 3: unexpected token at 'b'"},
           {"x", "unknown selection at 'x'"},
           {"1 of z*", "no selection matches"},
           {"0 of a", "positive number"},
           {"a & b", "unexpected character '&'"},
           {"a | count() > 1", "aggregation"},
       }) {
    auto node = ParseCondition(c.text, names);
    ASSERT_FALSE(node.ok()) << c.text;
    EXPECT_THAT(std::string(node.status().message()), HasSubstr(c.message)) << c.text;
  }
  std::string deep(200, '(');
  deep += "a" + std::string(200, ')');
  auto node = ParseCondition(deep, names);
  ASSERT_FALSE(node.ok());
  EXPECT_THAT(std::string(node.status().message()), HasSubstr("nested too deeply"));
}

}  // namespace
}  // namespace otasuke::agent::sigma
