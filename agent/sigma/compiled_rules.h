#pragma once
// A compiled, immutable Sigma rule set: the rules, their log-source buckets and each
// bucket's literal prefilter. Built once by CompileSigmaRules, then shared read-only by every
// detector thread through common/snapshot.h (a reload builds a new one and swaps it).

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/sigma/load_report.h"
#include "agent/sigma/prefilter.h"
#include "agent/sigma/rule.h"

namespace otasuke::agent::sigma {

// The rules whose logsource is exactly `key`, and their prefilter.
struct LogSourceBucket {
  LogSource key;
  std::vector<uint32_t> rules;  // ascending rule indices
  Prefilter prefilter;
  // The set-wide id of the prefilter's pattern 0 (rule.h HitTest::literal).
  uint32_t first_literal = 0;
  // The set-wide id of the prefilter's field 0 (rule.h ValueMemo::field; SigmaEngine's scan
  // cache keys its tables by it).
  uint32_t first_field = 0;
  // Per prefilter field: how many selections and rules keep results per value (value_memo.h).
  std::vector<uint32_t> memo_indexes;
};

class CompiledSigmaRules {
 public:
  const std::vector<DetectionRule>& rules() const { return rules_; }
  const std::vector<CorrelationRule>& correlations() const { return correlations_; }
  const std::vector<LogSourceBucket>& buckets() const { return buckets_; }
  const std::string& version() const { return version_; }
  // Prefilter literals of all buckets (ids 0 .. literal_count() - 1).
  uint32_t literal_count() const { return literal_count_; }
  // Prefilter fields of all buckets (ids 0 .. prefilter_field_count() - 1).
  uint32_t prefilter_field_count() const { return prefilter_field_count_; }
  // Unique per compiled set in this process: lets per-thread caches notice a new set.
  uint64_t serial() const { return serial_; }
  // For each detection rule, the correlations that consume its matches.
  const std::vector<std::vector<uint32_t>>& correlations_of_rule() const {
    return correlations_of_rule_;
  }

 private:
  friend class RuleSetBuilder;
  std::vector<DetectionRule> rules_;
  std::vector<CorrelationRule> correlations_;
  std::vector<LogSourceBucket> buckets_;
  std::vector<std::vector<uint32_t>> correlations_of_rule_;
  std::string version_;
  uint32_t literal_count_ = 0;
  uint32_t prefilter_field_count_ = 0;
  uint64_t serial_ = 0;
};

// Does a rule's logsource admit an event's? Every field the rule sets must be equal, except
// that the umbrella category registry_event admits registry_add/delete/set/rename.
bool LogSourceAdmits(const LogSource& rule, const LogSource& event);

struct RuleFile {
  std::string path;     // for messages only
  std::string content;  // YAML bytes (rule sets arrive over the network)
};

struct CompileOptions {
  bool strict = false;           // any rejected rule fails the whole set
  std::string ruleset_version;   // carried into alerts
  bool prefer_hyperscan = true;  // prefilter backend; Aho-Corasick when false or unavailable
};

struct CompileResult {
  std::shared_ptr<const CompiledSigmaRules> rules;
  LoadReport report;
};

absl::StatusOr<CompileResult> CompileSigmaRules(const std::vector<RuleFile>& files,
                                                const CompileOptions& options = {});

// Reads *.yml / *.yaml files (directories recursively, in sorted order).
absl::StatusOr<std::vector<RuleFile>> ReadRuleFiles(const std::vector<std::string>& paths);

}  // namespace otasuke::agent::sigma
