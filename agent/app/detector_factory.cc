#include "agent/app/detector_factory.h"

#include "absl/strings/str_cat.h"
#include "agent/network/detect/engine.h"
#include "agent/network/scan/network_sensor.h"
#include "agent/rules/explanations.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/sigma_detector.h"
#include "common/log.h"
#include "common/snapshot.h"

namespace otasuke::agent {
namespace {

// Sigma rule files -> CompiledSigmaRules, published to the snapshot the detectors read.
class SigmaRuleEngine final : public RuleEngine {
 public:
  SigmaRuleEngine(Snapshot<sigma::CompiledSigmaRules>& snapshot, bool strict)
      : snapshot_(snapshot), strict_(strict) {}

  std::string_view name() const override { return "sigma"; }
  otasuke::v1::RuleFormat format() const override { return otasuke::v1::RULE_FORMAT_SIGMA; }

  absl::StatusOr<PublishStep> Compile(const std::vector<const otasuke::v1::RuleFile*>& files,
                                      std::string_view version) override {
    std::vector<sigma::RuleFile> inputs;
    inputs.reserve(files.size());
    for (const auto* f : files) inputs.push_back({.path = f->path(), .content = f->content()});
    absl::StatusOr<sigma::CompileResult> result = sigma::CompileSigmaRules(
        inputs, {.strict = strict_, .ruleset_version = std::string(version)});
    if (!result.ok()) return result.status();
    const sigma::LoadReport& report = result->report;
    for (const auto& issue : report.errors) LOG_WARN("sigma: %s", issue.ToString());
    LOG_INFO("sigma: %d rules and %d correlations loaded from %d files, %d rejected",
             report.rules_loaded, report.correlations_loaded, report.files, report.errors.size());
    return PublishStep([this, rules = std::move(result->rules)]() mutable {
      snapshot_.Publish(std::move(rules));
    });
  }

 private:
  Snapshot<sigma::CompiledSigmaRules>& snapshot_;
  const bool strict_;
};

// Suricata rule files -> network::detect::CompiledRules, read by the network sensor.
class SuricataRuleEngine final : public RuleEngine {
 public:
  SuricataRuleEngine(Snapshot<network::detect::CompiledRules>& snapshot,
                     const DetectorFactory::Options& options)
      : snapshot_(snapshot), options_(options) {}

  std::string_view name() const override { return "suricata"; }
  otasuke::v1::RuleFormat format() const override { return otasuke::v1::RULE_FORMAT_SURICATA; }

  absl::StatusOr<PublishStep> Compile(const std::vector<const otasuke::v1::RuleFile*>& files,
                                      std::string_view version) override {
    network::detect::LoadOptions load;
    for (const auto* f : files) load.rule_texts.emplace_back(f->path(), f->content());
    load.vars_path = options_.network_vars_path;
    load.classification_path = options_.network_classification_path;
    load.strict = options_.strict;
    absl::StatusOr<network::detect::LoadedRules> loaded = network::detect::LoadRules(load);
    if (!loaded.ok()) return loaded.status();
    for (const auto& error : loaded->report.errors) LOG_WARN("suricata: %s", error.ToString());
    LOG_INFO("suricata: %s", loaded->report.Summary());
    return PublishStep([this, rules = std::move(loaded->rules)]() mutable {
      snapshot_.Publish(std::move(rules));
    });
  }

 private:
  Snapshot<network::detect::CompiledRules>& snapshot_;
  const DetectorFactory::Options& options_;
};

// explanations.yaml files -> the table the ExplainingSink reads.
class ExplanationsRuleEngine final : public RuleEngine {
 public:
  explicit ExplanationsRuleEngine(Snapshot<ExplanationTable>& snapshot) : snapshot_(snapshot) {}

  std::string_view name() const override { return "explanations"; }
  otasuke::v1::RuleFormat format() const override { return otasuke::v1::RULE_FORMAT_EXPLANATIONS; }

  absl::StatusOr<PublishStep> Compile(const std::vector<const otasuke::v1::RuleFile*>& files,
                                      std::string_view version) override {
    auto table = std::make_shared<ExplanationTable>();
    for (const auto* f : files) {
      absl::Status parsed = ParseExplanations(f->path(), f->content(), table.get());
      if (!parsed.ok()) return parsed;
    }
    return PublishStep([this, table = std::shared_ptr<const ExplanationTable>(std::move(table))] {
      snapshot_.Publish(table);
    });
  }

 private:
  Snapshot<ExplanationTable>& snapshot_;
};

}  // namespace

struct DetectorFactory::Snapshots {
  Snapshot<ExplanationTable> explanations;
  Snapshot<sigma::CompiledSigmaRules> sigma;
  Snapshot<network::detect::CompiledRules> network;
};

DetectorFactory::DetectorFactory(Options options)
    : snapshots_(std::make_unique<Snapshots>()), options_(std::move(options)) {}
DetectorFactory::~DetectorFactory() = default;

void DetectorFactory::RegisterRuleEngines(RuleSetManager& manager) {
  manager.AddEngine(std::make_unique<SigmaRuleEngine>(snapshots_->sigma, options_.strict));
  manager.AddEngine(std::make_unique<SuricataRuleEngine>(snapshots_->network, options_));
  manager.AddEngine(std::make_unique<ExplanationsRuleEngine>(snapshots_->explanations));
}

std::unique_ptr<AlertSink> DetectorFactory::MakeExplainingSink(AlertSink& next) {
  return std::make_unique<ExplainingSink>(snapshots_->explanations, next);
}

std::unique_ptr<network::NetworkSensor> DetectorFactory::MakeNetworkSensor(
    const network::NetworkSensorOptions& options, AlertSink& sink) {
  return std::make_unique<network::NetworkSensor>(options, snapshots_->network, sink);
}

std::vector<std::unique_ptr<Detector>> DetectorFactory::MakeHostDetectors() {
  std::vector<std::unique_ptr<Detector>> detectors;
  detectors.push_back(std::make_unique<sigma::SigmaDetector>(
      snapshots_->sigma,
      sigma::EngineOptions{.scan_cache_entries = options_.sigma_scan_cache_entries,
                           .candidate_memo_entries = options_.sigma_candidate_memo_entries,
                           .event_memo_entries = options_.sigma_event_memo_entries}));
  return detectors;
}

}  // namespace otasuke::agent
