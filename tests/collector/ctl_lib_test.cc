// otasukectl's building blocks: rule bundles from files and directories, aligned tables.

#include <filesystem>
#include <fstream>

#include "collector/ctl/table.h"
#include "common/rule_bundle.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::ctl {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;

TEST(RuleBundleTest, FormatFollowsTheExtension) {
  EXPECT_EQ(RuleFormatForPath("a/b.yml"), v1::RULE_FORMAT_SIGMA);
  EXPECT_EQ(RuleFormatForPath("b.YAML"), v1::RULE_FORMAT_SIGMA);
  EXPECT_EQ(RuleFormatForPath("emerging.rules"), v1::RULE_FORMAT_SURICATA);
  EXPECT_EQ(RuleFormatForPath("notes.txt"), v1::RULE_FORMAT_UNSPECIFIED);
  EXPECT_EQ(RuleFormatForPath("rules/explanations.yaml"), v1::RULE_FORMAT_EXPLANATIONS);
  EXPECT_EQ(RuleFormatForPath("pack.explanations.yml"), v1::RULE_FORMAT_EXPLANATIONS);
  EXPECT_EQ(RuleFormatForPath("iocs.ioc"), v1::RULE_FORMAT_IOC);
  EXPECT_EQ(RuleFormatForPath("README"), v1::RULE_FORMAT_UNSPECIFIED);
}

TEST(RuleBundleTest, VersionIsDerivedFromContentUnlessGiven) {
  otasuke::testing::TempDir dir;
  std::ofstream(dir.file("a.yml")) << "title: a\n";
  auto first = LoadRuleBundle({dir.file("a.yml")}, "", 1 << 20);
  ASSERT_THAT(first, IsOk());
  auto again = LoadRuleBundle({dir.file("a.yml")}, "", 1 << 20);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->version(), again->version());
  EXPECT_THAT(first->version(), ::testing::StartsWith("sha256-"));
  std::ofstream(dir.file("a.yml")) << "title: b\n";
  auto changed = LoadRuleBundle({dir.file("a.yml")}, "", 1 << 20);
  ASSERT_THAT(changed, IsOk());
  EXPECT_NE(changed->version(), first->version());
  auto named = LoadRuleBundle({dir.file("a.yml")}, "v7", 1 << 20);
  ASSERT_THAT(named, IsOk());
  EXPECT_EQ(named->version(), "v7");
  EXPECT_EQ(named->files(0).path(), "a.yml");
  EXPECT_EQ(named->files(0).content(), "title: b\n");
}

TEST(RuleBundleTest, BadInputsAreNamed) {
  otasuke::testing::TempDir dir;
  std::filesystem::create_directories(dir.file("empty"));
  std::ofstream(dir.file("empty/notes.md")) << "x";
  EXPECT_THAT(LoadRuleBundle({dir.file("empty")}, "", 1 << 20),
              StatusIs(absl::StatusCode::kNotFound, "no rule files in"));
  EXPECT_THAT(LoadRuleBundle({dir.file("nope.yml")}, "", 1 << 20),
              StatusIs(absl::StatusCode::kNotFound, "nope.yml"));
  std::ofstream(dir.file("big.rules")) << std::string(2000, 'x');
  EXPECT_THAT(LoadRuleBundle({dir.file("big.rules")}, "", 1000),
              StatusIs(absl::StatusCode::kResourceExhausted, "more than 1000 bytes"));
  EXPECT_THAT(LoadRuleBundle({}, "", 1000),
              StatusIs(absl::StatusCode::kInvalidArgument, "no rule files given"));
}

TEST(TableTest, ColumnsAlignIncludingJapanese) {
  Table table({"ID", "TITLE", "HOST"});
  table.AddRow({"1", "不審なスクリプト", "pc-01"});
  table.AddRow({"10", "x", "reception"});
  EXPECT_EQ(table.Render(),
            "ID  TITLE             HOST\n"
            "1   不審なスクリプト  pc-01\n"
            "10  x                 reception\n");
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("日本"), 4u);
}

}  // namespace
}  // namespace otasuke::ctl
