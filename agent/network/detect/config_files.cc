#include "agent/network/detect/config_files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "yaml-cpp/yaml.h"

namespace otasuke::network::detect {
namespace {

// Suricata.yaml starts with "%YAML 1.1" and "---"; yaml-cpp only knows 1.2 directives and
// rejects 1.1 ones, so the directive line is dropped (it changes nothing we read).
std::string StripYamlDirective(std::string_view text) {
  std::string out(text);
  if (out.rfind("%YAML", 0) == 0) {
    const size_t eol = out.find('\n');
    out = eol == std::string::npos ? std::string() : out.substr(eol + 1);
  }
  return out;
}

absl::Status ReadGroup(const YAML::Node& group, std::string_view section, std::string_view source,
                       absl::flat_hash_map<std::string, std::string>* out) {
  if (!group) return absl::OkStatus();
  if (!group.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(source), ":", group.Mark().line + 1,
                                                   ": vars.", Sv(section), " is not a mapping"));
  }
  for (const auto& entry : group) {
    if (!entry.second.IsScalar()) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(source), ":", entry.second.Mark().line + 1,
                                                     ": vars.", Sv(section), ".",
                                                     entry.first.Scalar(), " is not a scalar"));
    }
    (*out)[entry.first.Scalar()] = entry.second.Scalar();
  }
  return absl::OkStatus();
}

// The document's root mapping; errors name `source` with line and column.
absl::StatusOr<YAML::Node> LoadYamlMapping(std::string_view yaml_text, std::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(StripYamlDirective(yaml_text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(source), ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(source), ": not a YAML mapping"));
  }
  return root;
}

std::optional<RuleAction> ActionByName(std::string_view name) {
  if (name == "pass") return RuleAction::kPass;
  if (name == "drop") return RuleAction::kDrop;
  if (name == "reject") return RuleAction::kReject;
  if (name == "alert") return RuleAction::kAlert;
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string message = absl::StrCat(path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::PermissionDeniedError(message);
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return buffer.str();
}

absl::StatusOr<RuleVars> ParseVarsYaml(std::string_view yaml_text, std::string_view source) {
  RuleVars vars;
  ASSIGN_OR_RETURN(const YAML::Node root, LoadYamlMapping(yaml_text, source));
  try {
    const YAML::Node section = root["vars"];
    if (!section) return vars;
    if (!section.IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Sv(source), ":", section.Mark().line + 1, ": vars is not a mapping"));
    }
    RETURN_IF_ERROR(
        ReadGroup(section["address-groups"], "address-groups", source, &vars.addresses));
    RETURN_IF_ERROR(ReadGroup(section["port-groups"], "port-groups", source, &vars.ports));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(source), ":", e.mark.line + 1, ": ", e.msg));
  }
  return vars;
}

absl::StatusOr<RuleVars> LoadVarsFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseVarsYaml(text, path);
}

absl::StatusOr<std::optional<ActionOrder>> ParseActionOrderYaml(std::string_view yaml_text,
                                                                std::string_view source) {
  ASSIGN_OR_RETURN(const YAML::Node root, LoadYamlMapping(yaml_text, source));
  const YAML::Node list = root["action-order"];
  if (!list) return std::nullopt;
  const std::string where = absl::StrCat(Sv(source), ":", list.Mark().line + 1, ": action-order");
  constexpr char kExpected[] = "list each of pass, drop, reject, alert once, in lower case";
  if (!list.IsSequence()) {
    return absl::InvalidArgumentError(absl::StrCat(where, " is not a list; ", kExpected));
  }
  ActionOrder order = kDefaultActionOrder;
  size_t count = 0;
  bool seen[4] = {};
  for (const YAML::Node& item : list) {
    const std::string name = item.IsScalar() ? item.Scalar() : std::string();
    const std::optional<RuleAction> action = ActionByName(name);
    if (!action) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(source), ":", item.Mark().line + 1,
                                                     ": action-order: invalid action '", name,
                                                     "'; ", kExpected));
    }
    bool& already = seen[static_cast<size_t>(*action)];
    if (already || count == order.size()) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(source), ":", item.Mark().line + 1,
                                                     ": action-order: '", name, "' given twice; ",
                                                     kExpected));
    }
    already = true;
    order[count++] = *action;
  }
  if (count != order.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " names ", count, " of the 4 actions; ", kExpected));
  }
  return order;
}

absl::StatusOr<std::optional<ActionOrder>> LoadActionOrderFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseActionOrderYaml(text, path);
}

absl::StatusOr<ClassificationMap> ParseClassificationConfig(std::string_view text,
                                                            std::string_view source) {
  ClassificationMap map;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(Sv(text), '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (!absl::ConsumePrefix(&line, "config classification:")) {
      return absl::InvalidArgumentError(
          absl::StrCat(Sv(source), ":", line_number, ": expected 'config classification:'"));
    }
    std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    int priority = 0;
    if (fields.size() != 3 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(fields[2]), &priority)) {
      return absl::InvalidArgumentError(absl::StrCat(
          Sv(source), ":", line_number, ": expected 'shortname,description,priority'"));
    }
    map[std::string(absl::StripAsciiWhitespace(fields[0]))] =
        Classification{std::string(absl::StripAsciiWhitespace(fields[1])), priority};
  }
  return map;
}

absl::StatusOr<ClassificationMap> LoadClassificationFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseClassificationConfig(text, path);
}

}  // namespace otasuke::network::detect
