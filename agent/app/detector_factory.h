#pragma once
// The explicit list of built-in rule engines and host detectors. Each engine owns the
// Snapshot its detectors read; RegisterRuleEngines() hands the RuleSetManager one compiler
// per rule format, and MakeHostDetectors() gives each source worker its own detector
// instances (per-thread state) over those shared snapshots.

#include <memory>
#include <string>
#include <vector>

#include "agent/pipeline/alert_sink.h"
#include "agent/pipeline/detector.h"
#include "agent/rules/rule_set_manager.h"
#include "agent/sigma/candidate_memo.h"
#include "agent/sigma/event_memo.h"
#include "agent/sigma/scan_cache.h"
#include "common/snapshot.h"

namespace otasuke::network {
class NetworkSensor;
struct NetworkSensorOptions;
namespace detect {
class CompiledRules;
}
}  // namespace otasuke::network

namespace otasuke::agent {

class DetectorFactory {
 public:
  struct Options {
    // A rule set with any rule that does not load is rejected as a whole.
    bool strict = true;
    // Suricata address/port variables (YAML with `vars:`) and classification.config.
    std::string network_vars_path;
    std::string network_classification_path;
    // Slots per prefilter field of each Sigma detector's scan cache (agent/sigma/scan_cache.h).
    uint32_t sigma_scan_cache_entries = sigma::kDefaultScanCacheEntries;
    // Candidate lists kept per combination of cached values (agent/sigma/candidate_memo.h).
    uint32_t sigma_candidate_memo_entries = sigma::kDefaultCandidateMemoEntries;
    // Whole events whose answer is kept (agent/sigma/event_memo.h).
    uint32_t sigma_event_memo_entries = sigma::kDefaultEventMemoEntries;
  };
  explicit DetectorFactory(Options options);
  ~DetectorFactory();

  // ADD NEW RULE ENGINES HERE (detector_factory.cc).
  void RegisterRuleEngines(RuleSetManager& manager);
  std::vector<std::unique_ptr<Detector>> MakeHostDetectors();
  // A sink that adds the active rule set's SME texts (explanations.yaml) to alerts whose rule
  // has none, then forwards to `next`.
  std::unique_ptr<AlertSink> MakeExplainingSink(AlertSink& next);
  // The live network sensor over the Suricata rules' snapshot.
  std::unique_ptr<network::NetworkSensor> MakeNetworkSensor(
      const network::NetworkSensorOptions& options, AlertSink& sink);

 private:
  struct Snapshots;
  std::unique_ptr<Snapshots> snapshots_;
  const Options options_;
};

}  // namespace otasuke::agent
