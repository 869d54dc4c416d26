#include "agent/rules/rule_set_manager.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agent/state/agent_state.h"
#include "common/log.h"
#include "common/rule_bundle.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::agent {

void RuleSetManager::AddEngine(std::unique_ptr<RuleEngine> engine) {
  engines_.push_back(std::move(engine));
}

absl::Status RuleSetManager::Apply(const otasuke::v1::RuleSet& ruleset) {
  absl::MutexLock lock(&mu_);
  for (const auto& file : ruleset.files()) {
    const bool known = std::any_of(engines_.begin(), engines_.end(),
                                   [&](const auto& e) { return e->format() == file.format(); });
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: no rule engine for format %s in this agent", file.path(),
                          otasuke::v1::RuleFormat_Name(file.format())));
    }
  }
  std::vector<PublishStep> steps;
  for (const auto& engine : engines_) {
    std::vector<const otasuke::v1::RuleFile*> files;
    for (const auto& file : ruleset.files()) {
      if (file.format() == engine->format()) files.push_back(&file);
    }
    absl::StatusOr<PublishStep> step = engine->Compile(files, ruleset.version());
    if (!step.ok()) {
      return absl::Status(step.status().code(),
                          absl::StrCat(Sv(engine->name()), ": ", step.status().message()));
    }
    steps.push_back(*std::move(step));
  }
  for (PublishStep& step : steps) step();
  version_ = ruleset.version();
  LOG_INFO("rule set %s active (%d files)", ruleset.version(), ruleset.files_size());
  if (!persist_path_.empty()) {
    absl::Status saved = WriteFileAtomically(persist_path_, ruleset.SerializeAsString());
    if (!saved.ok()) LOG_WARN("rule set %s not remembered: %s", version_, saved.ToString());
  }
  return absl::OkStatus();
}

absl::Status RuleSetManager::LoadInitial(const std::vector<std::string>& paths) {
  if (!persist_path_.empty()) {
    absl::StatusOr<std::string> saved = ReadFile(persist_path_);
    if (saved.ok()) {
      otasuke::v1::RuleSet set;
      if (set.ParseFromString(*saved)) {
        absl::Status applied = Apply(set);
        if (applied.ok()) return applied;
        LOG_WARN("remembered rule set %s no longer compiles (%s); using local rules", set.version(),
                 applied.ToString());
      } else {
        LOG_WARN("%s is corrupt; using local rules", persist_path_);
      }
    }
  }
  if (paths.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(otasuke::v1::RuleSet set, LoadRuleBundle(paths));
  return Apply(set);
}

std::string RuleSetManager::version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

}  // namespace otasuke::agent
