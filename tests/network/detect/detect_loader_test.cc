// Loading: files and directories, vars and classification files, every bad rule reported as
// file:line: sid N: reason while the good rules still load, --strict, duplicate sids.
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/network/detect/config_files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/network/detect/detect_test_util.h"

namespace otasuke::network::detect::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("otasuke_detect_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream(file) << text;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

LoadReport LoadWithErrors(const std::string& text) {
  LoadOptions options;
  options.rule_texts.emplace_back("bad.rules", text);
  options.vars_yaml_text = kTestVars;
  auto loaded = LoadRules(options);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? loaded->report : LoadReport{};
}

std::string OnlyError(const std::string& rule) {
  const LoadReport report = LoadWithErrors(rule);
  EXPECT_EQ(report.errors.size(), 1u) << rule;
  return report.errors.empty() ? "" : report.errors[0].ToString();
}

TEST(LoaderTest, BadRulesAreReportedWithFileLineSidAndReason) {
  const LoadReport report = LoadWithErrors(
      "# comment\n"
      "alert tcp any any -> any any (content:\"ok\"; sid:1;)\n"
      "\n"
      "alert tcp any any -> any any (content:\"x\"; bsize_nope:3; sid:2;)\n"
      "alert smtp any any -> any any (sid:3;)\n"
      "alert tcp any any -> any any (content:\"x\"; sid:4;)\n"
      "alert tcp any any -> any any (content:\"x\"; http.header_names; sid:5;)\n");
  EXPECT_EQ(report.loaded, 2u);
  EXPECT_EQ(report.skipped, 3u);
  ASSERT_EQ(report.errors.size(), 3u);
  EXPECT_EQ(report.errors[0].ToString(), "bad.rules:4: sid 2: unsupported keyword 'bsize_nope'");
  EXPECT_EQ(report.errors[1].ToString(), "bad.rules:5: sid 3: unsupported protocol 'smtp'");
  EXPECT_EQ(report.errors[2].ToString(),
            "bad.rules:7: sid 5: unsupported keyword 'http.header_names'");
  EXPECT_EQ(report.skipped_by_reason.at("unsupported keyword 'bsize_nope'"), 1u);
  EXPECT_THAT(report.Summary(), HasSubstr("loaded 2 rules, skipped 3"));
}

TEST(LoaderTest, ParseErrorsNameColumnAndCause) {
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (content:\"x\" sid:1;)"),
              HasSubstr("bad.rules:1: sid 0: parse error: content"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (content:\"x\"; depth:0; sid:7;)"),
              HasSubstr("bad.rules:1: sid 7: parse error: depth: 0 is out of range"));
  EXPECT_THAT(OnlyError("alert tcp any any - any any (sid:8;)"),
              HasSubstr("sid 8: parse error: direction must be '->' or '<>'"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (content:\"x\"; sid:9;"),
              HasSubstr("sid 0: parse error: expected '(options)'"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (msg:\"no sid\";)"),
              HasSubstr("parse error: rule has no sid"));
  EXPECT_THAT(OnlyError("alert tcp $NOPE any -> any any (sid:10;)"),
              HasSubstr("sid 10: bad address '$NOPE': undefined variable '$NOPE'"));
  EXPECT_THAT(OnlyError("alert tcp any 99999 -> any any (sid:11;)"),
              HasSubstr("sid 11: bad port '99999'"));
  EXPECT_THAT(OnlyError("alert tcp 10.0.0.0/33 any -> any any (sid:12;)"),
              HasSubstr("bad prefix length '33'"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (pcre:\"/(/\"; sid:13;)"),
              HasSubstr("sid 13: parse error: pcre: pcre '/(/' at offset 1"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (content:\"|4\"; sid:14;)"),
              HasSubstr("unterminated '|' hex block"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (nocase; sid:15;)"),
              HasSubstr("'nocase' needs a preceding content"));
  EXPECT_THAT(
      OnlyError("alert tcp any any -> any any (content:\"x\"; offset:1; within:5; sid:16;)"),
      HasSubstr("within cannot be combined with offset"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (flow:sideways; sid:17;)"),
              HasSubstr("unknown flow option 'sideways'"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (flowbits:set; sid:18;)"),
              HasSubstr("flowbits:set needs a name"));
  EXPECT_THAT(OnlyError("alert dns any any -> any any (http.uri; content:\"x\"; sid:19;)"),
              HasSubstr("conflicts with the rule's app-layer protocol"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (threshold:type limit, count 1; sid:20;)"),
              HasSubstr("needs type, track, count and seconds"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (byte_test:2,=,myvar,0; sid:21;)"),
              HasSubstr("sid 21: unsupported byte_test value 'myvar'"));
  EXPECT_THAT(OnlyError("alert udp any any -> any any (flags:S; sid:22;)"),
              HasSubstr("flags on a non-TCP rule"));
  EXPECT_THAT(OnlyError("bogus tcp any any -> any any (sid:23;)"),
              HasSubstr("unsupported action 'bogus'"));
  EXPECT_THAT(OnlyError("alert tcp any any -> any any (content:\"a\\x\"; sid:24;)"),
              HasSubstr("invalid escape"));
}

TEST(LoaderTest, MultiLineRulesAndDuplicateSids) {
  const LoadReport report = LoadWithErrors(
      "alert tcp any any -> any any (content:\"a\"; \\\n"
      "  sid:1; rev:1;)\n"
      "alert tcp any any -> any any (content:\"b\"; sid:1; rev:2;)\n");
  EXPECT_EQ(report.loaded, 1u);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].ToString(), "bad.rules:1: sid 1: duplicate sid");
}

TEST(LoaderTest, StrictTurnsAnySkipIntoFailure) {
  LoadOptions options;
  options.rule_texts.emplace_back("s.rules", "alert tcp any any -> any any (dotprefix; sid:5;)\n");
  options.strict = true;
  auto loaded = LoadRules(options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("s.rules:1: sid 5: unsupported keyword 'dotprefix'"));
  options.strict = false;
  EXPECT_TRUE(LoadRules(options).ok());
}

TEST(LoaderTest, FilesDirectoriesVarsAndClassification) {
  TempDir dir;
  dir.Write("b.rules",
            "alert tcp $HOME_NET any -> any $WEB (content:\"b\"; classtype:bad; sid:2;)\n");
  dir.Write("a.rules",
            "alert tcp any any -> any any (content:\"a\"; classtype:good; "
            "priority:1; sid:1;)\n");
  dir.Write("ignored.txt", "not rules");
  const std::string vars =
      dir.Write("suricata.yaml",
                "%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: \"10.0.0.0/8\"\n"
                "  port-groups:\n    WEB: \"[80,443]\"\noutputs: []\n");
  const std::string classes = dir.Write(
      "classification.config",
      "# comment\nconfig classification: bad,A Bad Thing,2\nconfig classification: good,Fine,3\n");
  LoadOptions options;
  options.rule_paths = {dir.path()};
  options.vars_path = vars;
  options.classification_path = classes;
  auto loaded = LoadRules(options);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->report.loaded, 2u) << loaded->report.Summary();
  PacketBuilder p;
  p.Payload("a b");
  p.in.dst_port = 443;
  CollectingCallback callback;
  DetectEngine engine(loaded->rules);
  engine.Inspect(p.in, callback);
  ASSERT_EQ(callback.alerts.size(), 2u);
  // priority 1 sorts first
  EXPECT_EQ(callback.alerts[0].rule->sid, 1u);
  EXPECT_EQ(callback.alerts[0].rule->priority, 1);
  EXPECT_EQ(callback.alerts[1].rule->category, "A Bad Thing");
  EXPECT_EQ(callback.alerts[1].rule->priority, 2);
  EXPECT_THAT(callback.alerts[1].rule->source_file, HasSubstr("b.rules"));

  // An unknown classtype skips the rule when a classification file is loaded.
  options.rule_paths = {
      dir.Write("c.rules", "alert tcp any any -> any any (classtype:nope; sid:3;)\n")};
  loaded = LoadRules(options);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->report.errors.size(), 1u);
  EXPECT_THAT(loaded->report.errors[0].ToString(), HasSubstr("unknown classtype 'nope'"));
}

TEST(LoaderTest, UnreadableInputsFailWithTheirPath) {
  LoadOptions options;
  options.rule_paths = {"/nonexistent/x.rules"};
  auto loaded = LoadRules(options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("/nonexistent/x.rules"));

  TempDir dir;
  options.rule_paths = {};
  options.vars_path = dir.Write("vars.yaml", "vars:\n  address-groups: [1, 2\n");
  loaded = LoadRules(options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("vars.yaml:"));

  options.vars_path = dir.Write("vars2.yaml", "vars:\n  address-groups:\n    HOME_NET: [a, b]\n");
  loaded = LoadRules(options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("vars2.yaml:3:"));

  options.vars_path = "";
  options.classification_path = dir.Write("c.config", "config classification: a,b\n");
  loaded = LoadRules(options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("c.config:1:"));
}

// Suricata's action-order: all four actions, each once, lower case; anything else is refused
// with the file, the line and what is wrong.
TEST(ActionOrderConfigTest, ParsesTheListAndRefusesBadOnes) {
  auto order =
      ParseActionOrderYaml("action-order:\n  - drop\n  - pass\n  - reject\n  - alert\n", "s.yaml");
  ASSERT_TRUE(order.ok()) << order.status();
  ASSERT_TRUE(order->has_value());
  EXPECT_THAT(**order, ElementsAre(RuleAction::kDrop, RuleAction::kPass, RuleAction::kReject,
                                   RuleAction::kAlert));
  auto none = ParseActionOrderYaml("vars: {}\n", "s.yaml");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto error = [](const std::string& yaml) {
    auto parsed = ParseActionOrderYaml(yaml, "s.yaml");
    EXPECT_FALSE(parsed.ok()) << yaml;
    return parsed.ok() ? std::string() : std::string(parsed.status().message());
  };
  EXPECT_THAT(error("action-order:\n  - drop\n  - pass\n  - alert\n"),
              HasSubstr("s.yaml:2: action-order names 3 of the 4 actions"));
  EXPECT_THAT(error("action-order:\n  - drop\n  - Pass\n  - reject\n  - alert\n"),
              HasSubstr("s.yaml:3: action-order: invalid action 'Pass'"));
  EXPECT_THAT(error("action-order:\n  - drop\n  - drop\n  - reject\n  - alert\n"),
              HasSubstr("s.yaml:3: action-order: 'drop' given twice"));
  EXPECT_THAT(error("action-order: drop\n"), HasSubstr("s.yaml:1: action-order is not a list"));
  EXPECT_THAT(error("action-order: [drop, pass\n"), HasSubstr("s.yaml:"));
}

TEST(ActionOrderConfigTest, OrdersTheRulesAndBadOrderFailsTheLoad) {
  const std::string rules =
      "alert tcp any any -> any any (content:\"x\"; sid:1;)\n"
      "pass tcp any any -> any any (content:\"x\"; sid:2;)\n";
  PacketBuilder p;
  p.Payload("x");
  EXPECT_THAT(Sids(rules, p.in), ElementsAre());  // default: pass first

  LoadOptions options;
  options.rule_texts.emplace_back("t.rules", rules);
  options.action_order =
      ActionOrder{RuleAction::kAlert, RuleAction::kPass, RuleAction::kDrop, RuleAction::kReject};
  auto loaded = LoadRules(options);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  DetectEngine engine(loaded->rules);
  CollectingCallback callback;
  engine.Inspect(p.in, callback);
  EXPECT_THAT(callback.sids, ElementsAre(1u));
  ASSERT_EQ(callback.alerts.size(), 1u);
  EXPECT_EQ(callback.alerts[0].verdict.action, VerdictAction::kPass);

  TempDir dir;
  options.action_order.reset();
  options.vars_path = dir.Write("suricata.yaml", "action-order:\n  - alert\n");
  loaded = LoadRules(options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("suricata.yaml:2: action-order names 1 of the 4"));
}

TEST(LoaderTest, ExposesRulesAndPrefilterName) {
  auto rules = LoadText("alert tcp any any -> any any (content:\"a\"; sid:1;)\n");
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(RuleCount(*rules), 1u);
  EXPECT_EQ(RuleAt(*rules, 0).sid, 1u);
  EXPECT_FALSE(PrefilterName(*rules).empty());
}

}  // namespace
}  // namespace otasuke::network::detect::testing
