#pragma once
// Seam: a rule language the agent runs (Sigma, Suricata, IOC lists). A rule set arrives as
// a bundle of files; each engine compiles the files of its format. Reload is two-phase: every
// engine compiles first (off the hot path), and only if all succeed are the results
// published, so a bad file never leaves the agent half-updated.

#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "otasuke/v1/agent_service.pb.h"

namespace otasuke::agent {

// Publishes a compiled rule set to the detectors that read it. Must not fail.
using PublishStep = std::function<void()>;

class RuleEngine {
 public:
  virtual ~RuleEngine() = default;
  virtual std::string_view name() const = 0;
  virtual otasuke::v1::RuleFormat format() const = 0;
  // Compiles this engine's files (possibly none) of the rule set `version`.
  virtual absl::StatusOr<PublishStep> Compile(
      const std::vector<const otasuke::v1::RuleFile*>& files, std::string_view version) = 0;
};

}  // namespace otasuke::agent
