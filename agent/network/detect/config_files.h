#pragma once
// The two side files of a Suricata rule set: the `vars:` section of a YAML config
// (address-groups / port-groups) and classification.config. Both report errors with file:line.

#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "agent/network/detect/addresses.h"
#include "agent/network/detect/engine.h"

namespace otasuke::network::detect {

// Reads the `vars:` section of a YAML document (a whole suricata.yaml is fine; everything
// else is ignored). `source` names the document in errors.
absl::StatusOr<RuleVars> ParseVarsYaml(std::string_view yaml_text, std::string_view source);
absl::StatusOr<RuleVars> LoadVarsFile(const std::string& path);

// Reads the `action-order:` list of a YAML document (a whole suricata.yaml is fine): all four
// of pass, drop, reject, alert, each once, in lower case, as Suricata requires. nullopt when the
// document has no action-order.
absl::StatusOr<std::optional<ActionOrder>> ParseActionOrderYaml(std::string_view yaml_text,
                                                                std::string_view source);
absl::StatusOr<std::optional<ActionOrder>> LoadActionOrderFile(const std::string& path);

struct Classification {
  std::string description;
  int priority = 3;
};
using ClassificationMap = absl::flat_hash_map<std::string, Classification>;

// `config classification: shortname,description,priority` lines; '#' comments.
absl::StatusOr<ClassificationMap> ParseClassificationConfig(std::string_view text,
                                                            std::string_view source);
absl::StatusOr<ClassificationMap> LoadClassificationFile(const std::string& path);

// Whole file into a string; NotFound / PermissionDenied name the path.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

}  // namespace otasuke::network::detect
