#include "agent/rules/rule_set_manager.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agent/state/agent_state.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "common/status_macros.h"

namespace otasuke::agent {
namespace fs = std::filesystem;

otasuke::v1::RuleFormat RuleFormatForPath(std::string_view path) {
  auto ends = [&](std::string_view suffix) { return path.ends_with(suffix); };
  if (ends(".yml") || ends(".yaml")) return otasuke::v1::RULE_FORMAT_SIGMA;
  if (ends(".rules")) return otasuke::v1::RULE_FORMAT_SURICATA;
  if (ends(".ioc") || ends(".txt")) return otasuke::v1::RULE_FORMAT_IOC;
  return otasuke::v1::RULE_FORMAT_UNSPECIFIED;
}

absl::StatusOr<otasuke::v1::RuleSet> ReadRuleSetFromPaths(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        if (it->is_regular_file() &&
            RuleFormatForPath(it->path().string()) != otasuke::v1::RULE_FORMAT_UNSPECIFIED) {
          files.push_back(it->path());
        }
      }
      if (ec) return absl::NotFoundError(absl::StrCat(p, ": ", ec.message()));
    } else if (fs::exists(p, ec)) {
      files.emplace_back(p);
    } else {
      return absl::NotFoundError(absl::StrCat(p, ": no such rule file or directory"));
    }
  }
  std::sort(files.begin(), files.end());
  otasuke::v1::RuleSet set;
  Sha256 sha;
  for (const fs::path& f : files) {
    ASSIGN_OR_RETURN(std::string content, ReadFile(f.string()));
    auto* file = set.add_files();
    file->set_path(f.string());
    file->set_format(RuleFormatForPath(f.string()));
    sha.Update(f.filename().string());
    sha.Update(content);
    file->set_content(std::move(content));
  }
  set.set_version(absl::StrCat("local-", sha.HexFinal().substr(0, 12)));
  return set;
}

void RuleSetManager::AddEngine(std::unique_ptr<RuleEngine> engine) {
  engines_.push_back(std::move(engine));
}

absl::Status RuleSetManager::Apply(const otasuke::v1::RuleSet& ruleset) {
  absl::MutexLock lock(&mu_);
  for (const auto& file : ruleset.files()) {
    const bool known = std::any_of(engines_.begin(), engines_.end(), [&](const auto& e) {
      return e->format() == file.format();
    });
    if (!known) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: no rule engine for format %s in this agent", file.path(),
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
        LOG_WARN("remembered rule set %s no longer compiles (%s); using local rules",
                 set.version(), applied.ToString());
      } else {
        LOG_WARN("%s is corrupt; using local rules", persist_path_);
      }
    }
  }
  if (paths.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(otasuke::v1::RuleSet set, ReadRuleSetFromPaths(paths));
  return Apply(set);
}

std::string RuleSetManager::version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

}  // namespace otasuke::agent
