#pragma once
// The explicit list of built-in rule engines and host detectors. Each engine owns the
// Snapshot its detectors read; RegisterRuleEngines() hands the RuleSetManager one compiler
// per rule format, and MakeHostDetectors() gives each source worker its own detector
// instances (per-thread state) over those shared snapshots.

#include <memory>
#include <vector>

#include "agent/pipeline/detector.h"
#include "agent/rules/rule_set_manager.h"

namespace otasuke::agent {

class DetectorFactory {
 public:
  // strict: a rule set with any rule that does not load is rejected as a whole.
  explicit DetectorFactory(bool strict_rules);
  ~DetectorFactory();

  // ADD NEW RULE ENGINES HERE (detector_factory.cc).
  void RegisterRuleEngines(RuleSetManager& manager);
  std::vector<std::unique_ptr<Detector>> MakeHostDetectors();

 private:
  struct Snapshots;
  std::unique_ptr<Snapshots> snapshots_;
  const bool strict_rules_;
};

}  // namespace otasuke::agent
