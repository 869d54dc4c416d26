#include "common/rule_bundle.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace otasuke {
namespace fs = std::filesystem;

v1::RuleFormat RuleFormatForPath(const std::string& path) {
  const std::string name = absl::AsciiStrToLower(fs::path(path).filename().string());
  const std::string ext = absl::AsciiStrToLower(fs::path(path).extension().string());
  if (name == "explanations.yaml" || name == "explanations.yml" ||
      absl::EndsWith(name, ".explanations.yaml") || absl::EndsWith(name, ".explanations.yml")) {
    return v1::RULE_FORMAT_EXPLANATIONS;
  }
  if (ext == ".yml" || ext == ".yaml") return v1::RULE_FORMAT_SIGMA;
  if (ext == ".rules") return v1::RULE_FORMAT_SURICATA;
  if (ext == ".ioc") return v1::RULE_FORMAT_IOC;
  return v1::RULE_FORMAT_UNSPECIFIED;
}

namespace {

absl::Status AddFile(const fs::path& file, const std::string& name, v1::RuleSet& ruleset,
                     size_t& total, size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read rule file ", file.string()));
  std::stringstream content;
  content << in.rdbuf();
  total += content.str().size();
  if (total > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("rule files add up to more than ", max_bytes,
                                                     " bytes (at ", file.string(),
                                                     "); push them in smaller sets"));
  }
  v1::RuleFile* rule_file = ruleset.add_files();
  rule_file->set_path(name);
  rule_file->set_format(RuleFormatForPath(file.string()));
  rule_file->set_content(content.str());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::RuleSet> LoadRuleBundle(const std::vector<std::string>& paths,
                                           const std::string& version, size_t max_bytes) {
  v1::RuleSet ruleset;
  size_t total = 0;
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      return absl::NotFoundError(absl::StrCat("no such file or directory: ", path));
    }
    if (fs::is_directory(status)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() &&
            RuleFormatForPath(it->path().string()) != v1::RULE_FORMAT_UNSPECIFIED) {
          files.push_back(it->path());
        }
      }
      if (ec) return absl::NotFoundError(absl::StrCat("cannot list ", path, ": ", ec.message()));
      if (files.empty()) {
        return absl::NotFoundError(
            absl::StrCat("no rule files in ", path, " (expected .yml/.yaml, .rules or .ioc)"));
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) {
        RETURN_IF_ERROR(
            AddFile(file, fs::relative(file, path).string(), ruleset, total, max_bytes));
      }
    } else {
      if (RuleFormatForPath(path) == v1::RULE_FORMAT_UNSPECIFIED) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot tell the rule format of ", path,
                         ": use .yml/.yaml (Sigma), .rules (Suricata) or .ioc (IOC list)"));
      }
      RETURN_IF_ERROR(AddFile(path, fs::path(path).filename().string(), ruleset, total, max_bytes));
    }
  }
  if (ruleset.files_size() == 0) return absl::InvalidArgumentError("no rule files given");
  if (!version.empty()) {
    ruleset.set_version(version);
  } else {
    Sha256 digest;
    for (const v1::RuleFile& file : ruleset.files()) {
      digest.Update(std::string_view(file.path().c_str(), file.path().size() + 1));  // with NUL
      digest.Update(file.content());
    }
    ruleset.set_version(absl::StrCat("sha256-", digest.HexFinal().substr(0, 12)));
  }
  return ruleset;
}

}  // namespace otasuke
