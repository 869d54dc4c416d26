#include "agent/rules/explanations.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace otasuke::agent {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;

class CollectingSink : public AlertSink {
 public:
  void Emit(otasuke::v1::Alert&& alert) override { alerts.push_back(std::move(alert)); }
  std::vector<otasuke::v1::Alert> alerts;
};

constexpr char kTexts[] = R"(
9100001:
  explanation: {ja: "社内で広がろうとしています。", en: "Something is spreading."}
  next_step: {ja: "LANケーブルを抜いてください。", en: "Unplug the network cable."}
"rule-x":
  explanation: {ja: "x", en: "x"}
  next_step: {ja: "y", en: "y"}
)";

TEST(ExplanationsTest, ParsesSidsAndRuleIds) {
  ExplanationTable table;
  ASSERT_THAT(ParseExplanations("explanations.yaml", kTexts, &table), IsOk());
  ASSERT_TRUE(table.contains("1:9100001"));
  ASSERT_TRUE(table.contains("rule-x"));
  EXPECT_EQ(table["1:9100001"].next_step.en(), "Unplug the network cable.");
}

TEST(ExplanationsTest, BadFilesNameFileLineAndRule) {
  ExplanationTable table;
  EXPECT_THAT(ParseExplanations("e.yaml", "1:\n  explanation: {ja: a}\n", &table),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "e.yaml:1: 1:1: 'explanation' needs both ja and en"));
  EXPECT_THAT(ParseExplanations("e.yaml", "[1, 2]", &table),
              StatusIs(absl::StatusCode::kInvalidArgument, "expected a map"));
  EXPECT_THAT(ParseExplanations("e.yaml", "a: {b: [}", &table),
              StatusIs(absl::StatusCode::kInvalidArgument, "e.yaml:1: invalid YAML"));
  ExplanationTable twice;
  ASSERT_THAT(ParseExplanations("a.yaml", kTexts, &twice), IsOk());
  EXPECT_THAT(ParseExplanations("b.yaml", kTexts, &twice),
              StatusIs(absl::StatusCode::kInvalidArgument, "defined twice"));
}

TEST(ExplanationsTest, SinkSetsTextsOfListedRulesOnly) {
  auto table = std::make_shared<ExplanationTable>();
  ASSERT_THAT(ParseExplanations("explanations.yaml", kTexts, table.get()), IsOk());
  Snapshot<ExplanationTable> snapshot(table);
  CollectingSink out;
  ExplainingSink sink(snapshot, out);
  otasuke::v1::Alert listed;
  listed.mutable_rule()->set_rule_id("1:9100001");
  listed.mutable_explanation()->set_en("generic signature text");
  sink.Emit(std::move(listed));
  otasuke::v1::Alert other;
  other.mutable_rule()->set_rule_id("1:2000001");
  other.mutable_explanation()->set_en("generic");
  sink.Emit(std::move(other));
  ASSERT_EQ(out.alerts.size(), 2u);
  EXPECT_EQ(out.alerts[0].explanation().en(), "Something is spreading.");
  EXPECT_EQ(out.alerts[0].next_step().ja(), "LANケーブルを抜いてください。");
  EXPECT_EQ(out.alerts[1].explanation().en(), "generic");
}

}  // namespace
}  // namespace otasuke::agent
