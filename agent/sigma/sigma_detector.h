#pragma once
// The Sigma behaviour detector: evaluates the current compiled rule set (read through a
// per-thread snapshot reader, so a reload swaps rules without a lock on the event path) on
// each event, feeds matches to the correlation engine, and emits one alert per emitting rule
// match and per correlation hit. One instance per source thread.

#include <string_view>
#include <vector>

#include "agent/pipeline/detector.h"
#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/correlation.h"
#include "agent/sigma/engine.h"
#include "common/snapshot.h"

namespace otasuke::agent::sigma {

struct SigmaDetectorStats {
  uint64_t events = 0;
  uint64_t rule_matches = 0;
  uint64_t alerts = 0;
  uint64_t correlation_hits = 0;
};

class SigmaDetector : public Detector {
 public:
  explicit SigmaDetector(const Snapshot<CompiledSigmaRules>& rules,
                         const EngineOptions& options = {})
      : reader_(rules), engine_(options) {}

  std::string_view name() const override { return "sigma"; }
  void Inspect(const Event& event, AlertSink& sink) override;

  const SigmaDetectorStats& stats() const { return stats_; }
  const EngineStats& engine_stats() const { return engine_.stats(); }
  const CorrelationStats& correlation_stats() const { return correlation_.stats(); }

 private:
  SnapshotReader<CompiledSigmaRules> reader_;
  SigmaEngine engine_;
  CorrelationEngine correlation_;
  std::vector<uint32_t> matched_;
  std::vector<CorrelationHit> hits_;
  SigmaDetectorStats stats_;
};

}  // namespace otasuke::agent::sigma
