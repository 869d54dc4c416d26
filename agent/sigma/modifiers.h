#pragma once
// Sigma value modifiers, one descriptor per modifier (name, role, description). The table
// drives parsing of `Field|mod|mod` keys, error messages and docs/SIGMA.md; a modifier is
// added here and in CompileFieldItem's switch, nowhere else.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/sigma/rule.h"

namespace otasuke::agent::sigma {

enum class ModifierId : uint8_t {
  kContains,
  kStartsWith,
  kEndsWith,
  kAll,
  kRe,
  kReI,
  kReM,
  kReS,
  kCidr,
  kBase64,
  kBase64Offset,
  kUtf16Le,
  kUtf16Be,
  kUtf16,
  kWide,
  kWindash,
  kExists,
  kCased,
  kGt,
  kGte,
  kLt,
  kLte,
  kFieldRef,
};

enum class ModifierRole : uint8_t {
  kMatchType,  // how the value is compared (at most one)
  kTransform,  // rewrites the value before comparison (in rule order)
  kFlag,       // changes how values combine or compare
};

struct ModifierDescriptor {
  ModifierId id;
  std::string_view name;
  ModifierRole role;
  std::string_view description;
};

std::span<const ModifierDescriptor> ModifierTable();

// Compiles one detection map entry: `key` is "Field|mod|..." (Field may be empty for keyword
// searches), `values` are the YAML scalars (nullopt for null). Errors name the modifier or
// value at fault and carry a reason code prefix "<code>: " used by the load report.
absl::StatusOr<FieldItem> CompileFieldItem(std::string_view key,
                                           const std::vector<std::optional<std::string>>& values);

}  // namespace otasuke::agent::sigma
