#include "agent/rules/rule_set_manager.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;
using ::otasuke::testing::TempDir;

// A rule engine at the seam: "compiles" files whose content does not start with "bad" and
// publishes the concatenated content, so the test can see what is active.
class RecordingEngine : public RuleEngine {
 public:
  RecordingEngine(otasuke::v1::RuleFormat format, std::string* active)
      : format_(format), active_(active) {}
  std::string_view name() const override { return "recording"; }
  otasuke::v1::RuleFormat format() const override { return format_; }
  absl::StatusOr<PublishStep> Compile(const std::vector<const otasuke::v1::RuleFile*>& files,
                                      std::string_view version) override {
    std::string compiled(version);
    for (const auto* f : files) {
      if (f->content().starts_with("bad")) {
        return absl::InvalidArgumentError(f->path() + ":1: bad rule");
      }
      compiled += "|" + f->content();
    }
    return PublishStep([this, compiled] { *active_ = compiled; });
  }

 private:
  otasuke::v1::RuleFormat format_;
  std::string* active_;
};

otasuke::v1::RuleSet MakeSet(const std::string& version,
                             std::vector<std::pair<otasuke::v1::RuleFormat, std::string>> files) {
  otasuke::v1::RuleSet set;
  set.set_version(version);
  int i = 0;
  for (auto& [format, content] : files) {
    auto* f = set.add_files();
    f->set_path("f" + std::to_string(i++));
    f->set_format(format);
    f->set_content(content);
  }
  return set;
}

TEST(RuleSetManagerTest, PublishesOnlyWhenEveryEngineCompiles) {
  std::string sigma, suricata;
  RuleSetManager m("");
  m.AddEngine(std::make_unique<RecordingEngine>(otasuke::v1::RULE_FORMAT_SIGMA, &sigma));
  m.AddEngine(std::make_unique<RecordingEngine>(otasuke::v1::RULE_FORMAT_SURICATA, &suricata));
  ASSERT_THAT(m.Apply(MakeSet("v1", {{otasuke::v1::RULE_FORMAT_SIGMA, "s1"},
                                     {otasuke::v1::RULE_FORMAT_SURICATA, "n1"}})),
              IsOk());
  EXPECT_EQ(sigma, "v1|s1");
  EXPECT_EQ(suricata, "v1|n1");
  // The Suricata part is bad: neither engine may switch.
  EXPECT_THAT(m.Apply(MakeSet("v2", {{otasuke::v1::RULE_FORMAT_SIGMA, "s2"},
                                     {otasuke::v1::RULE_FORMAT_SURICATA, "bad"}})),
              StatusIs(absl::StatusCode::kInvalidArgument, "f1:1: bad rule"));
  EXPECT_EQ(sigma, "v1|s1");
  EXPECT_EQ(suricata, "v1|n1");
  EXPECT_EQ(m.version(), "v1");
}

TEST(RuleSetManagerTest, RejectsFormatsNoEngineRuns) {
  std::string sigma;
  RuleSetManager m("");
  m.AddEngine(std::make_unique<RecordingEngine>(otasuke::v1::RULE_FORMAT_SIGMA, &sigma));
  EXPECT_THAT(m.Apply(MakeSet("v1", {{otasuke::v1::RULE_FORMAT_IOC, "1.2.3.4"}})),
              StatusIs(absl::StatusCode::kInvalidArgument, "no rule engine for format"));
}

TEST(RuleSetManagerTest, RemembersTheAcceptedSetAcrossRestarts) {
  TempDir dir;
  const std::string persist = dir.file("active.pb");
  {
    std::string sigma;
    RuleSetManager m(persist);
    m.AddEngine(std::make_unique<RecordingEngine>(otasuke::v1::RULE_FORMAT_SIGMA, &sigma));
    ASSERT_THAT(m.Apply(MakeSet("pushed-7", {{otasuke::v1::RULE_FORMAT_SIGMA, "p"}})), IsOk());
  }
  std::string sigma;
  RuleSetManager m(persist);
  m.AddEngine(std::make_unique<RecordingEngine>(otasuke::v1::RULE_FORMAT_SIGMA, &sigma));
  ASSERT_THAT(m.LoadInitial({"/nonexistent-local-rules"}), IsOk());
  EXPECT_EQ(m.version(), "pushed-7");
  EXPECT_EQ(sigma, "pushed-7|p");
}

TEST(RuleSetManagerTest, LoadsLocalRuleFilesByName) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("sub"));
  std::ofstream(dir.file("a.yml")) << "sigma";
  std::ofstream(dir.file("sub/b.rules")) << "suricata";
  std::ofstream(dir.file("c.ioc")) << "1.2.3.4";
  std::ofstream(dir.file("explanations.yaml")) << "{}";
  std::ofstream(dir.file("README.md")) << "ignored";
  std::ofstream(dir.file("notes.txt")) << "ignored";
  std::string sigma, suricata, ioc, texts;
  RuleSetManager m("");
  m.AddEngine(std::make_unique<RecordingEngine>(otasuke::v1::RULE_FORMAT_SIGMA, &sigma));
  m.AddEngine(std::make_unique<RecordingEngine>(otasuke::v1::RULE_FORMAT_SURICATA, &suricata));
  m.AddEngine(std::make_unique<RecordingEngine>(otasuke::v1::RULE_FORMAT_IOC, &ioc));
  m.AddEngine(std::make_unique<RecordingEngine>(otasuke::v1::RULE_FORMAT_EXPLANATIONS, &texts));
  ASSERT_THAT(m.LoadInitial({dir.path()}), IsOk());
  EXPECT_TRUE(m.version().starts_with("sha256-")) << m.version();
  EXPECT_EQ(sigma, m.version() + "|sigma");
  EXPECT_EQ(suricata, m.version() + "|suricata");
  EXPECT_EQ(ioc, m.version() + "|1.2.3.4");
  EXPECT_EQ(texts, m.version() + "|{}");
  EXPECT_THAT(m.LoadInitial({dir.file("missing")}),
              StatusIs(absl::StatusCode::kNotFound, "missing"));
}

}  // namespace
}  // namespace otasuke::agent
