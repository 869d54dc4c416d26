// Load coverage over the Emerging Threats Open rule set in ../shared: at least 95 % of the
// rules SUBSET.tsv marks in-subset must load; every other rule is reported by reason.
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "agent/network/detect/config_files.h"
#include "gtest/gtest.h"
#include "tests/network/detect/detect_test_util.h"

namespace otasuke::network::detect::testing {
namespace {

std::string SharedDir() {
  const char* env = std::getenv("OTASUKE_SHARED_DIR");
  return env != nullptr ? env : "../shared";
}

TEST(EtOpenTest, InSubsetRulesLoad) {
  const std::string et = SharedDir() + "/rulesets/et-open";
  if (!std::filesystem::exists(et + "/SUBSET.tsv")) {
    GTEST_SKIP() << "ET Open rule set not found under " << et << " (../shared absent)";
  }
  auto tsv = ReadTextFile(et + "/SUBSET.tsv");
  ASSERT_TRUE(tsv.ok()) << tsv.status();
  absl::flat_hash_set<uint32_t> in_subset;
  for (absl::string_view line : absl::StrSplit(*tsv, '\n')) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
    uint32_t sid = 0;
    if (fields.size() >= 6 && fields[5] == "yes" && absl::SimpleAtoi(fields[0], &sid)) {
      in_subset.insert(sid);
    }
  }
  ASSERT_GT(in_subset.size(), 10000u);

  LoadOptions options;
  options.rule_paths = {et + "/rules"};
  options.vars_path = SharedDir() + "/conformance/suricata-verify/_etc/default-vars.yaml";
  options.classification_path = et + "/rules/classification.config";
  options.prefilter = PrefilterKind::kAhoCorasick;  // keeps the test's memory modest
  auto loaded = LoadRules(options);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const LoadReport& report = loaded->report;

  absl::flat_hash_set<uint32_t> loaded_sids;
  for (size_t i = 0; i < RuleCount(*loaded->rules); ++i)
    loaded_sids.insert(RuleAt(*loaded->rules, i).sid);
  size_t in_subset_loaded = 0;
  for (uint32_t sid : in_subset) in_subset_loaded += loaded_sids.contains(sid) ? 1 : 0;
  std::map<std::string, size_t> in_subset_failures;
  for (const LoadError& error : report.errors) {
    if (in_subset.contains(error.sid)) ++in_subset_failures[error.reason_class];
  }
  std::printf("ET Open: %s\n", report.Summary().c_str());
  std::printf("in-subset: %zu of %zu loaded (%.2f %%)\n", in_subset_loaded, in_subset.size(),
              100.0 * in_subset_loaded / in_subset.size());
  std::printf("%-50s %8s\n", "in-subset rules not loaded, by reason", "count");
  for (const auto& [reason, count] : in_subset_failures) {
    std::printf("%-50s %8zu\n", reason.c_str(), count);
  }
  EXPECT_GE(in_subset_loaded * 100, in_subset.size() * 95);
}

}  // namespace
}  // namespace otasuke::network::detect::testing
