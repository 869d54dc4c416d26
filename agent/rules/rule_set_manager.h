#pragma once
// Owns the agent's active rule set: compiles bundles through the registered RuleEngines,
// publishes them atomically, remembers the accepted bundle in the state directory so a
// restart runs the same rules, and builds bundles from rule files on disk.

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "agent/rules/rule_engine.h"

namespace otasuke::agent {

class RuleSetManager {
 public:
  // `persist_path` may be empty (nothing is remembered).
  explicit RuleSetManager(std::string persist_path) : persist_path_(std::move(persist_path)) {}

  void AddEngine(std::unique_ptr<RuleEngine> engine);

  // Compiles and, if every engine accepts its files, publishes and persists. On error the
  // running rule set stays active and the error names the file and the reason.
  absl::Status Apply(const otasuke::v1::RuleSet& ruleset);

  // Starts from the remembered bundle if there is one, else from `paths`.
  absl::Status LoadInitial(const std::vector<std::string>& paths);

  std::string version() const;

 private:
  const std::string persist_path_;
  std::vector<std::unique_ptr<RuleEngine>> engines_;
  mutable absl::Mutex mu_;  // serialises Apply(); guards version_
  std::string version_ ABSL_GUARDED_BY(mu_);
};

}  // namespace otasuke::agent
