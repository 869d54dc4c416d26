#pragma once
// Declarative configuration: one table of fields per program drives the YAML config file,
// the matching command-line flags (--queue-max-alerts for "queue.max_alerts") and the help
// text with defaults, so the three can never disagree. Errors name the file, the line and
// the key.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace otasuke::config {

// The kinds of value a field holds. Integers accept size suffixes (KiB, MiB, GiB, K, M, G);
// durations use absl syntax ("30s", "1m30s", "250ms").
using Value =
    std::variant<std::string*, int64_t*, bool*, absl::Duration*, std::vector<std::string>*>;

struct Field {
  std::string_view key;  // dotted path in the YAML file: "queue.max_alerts"
  std::string_view help;
  Value value;                  // where the parsed value goes (points into a config struct)
  std::string_view value_name;  // what the flag takes, for help ("N", "DURATION"); may be empty
};

// Parses `text` into the field's value.
absl::Status SetFromText(const Field& field, std::string_view text);

// Loads a YAML file into the fields. Every error is reported, one per line, as
// "<path>:<line>:<column>: <key>: <why>" (unknown settings name the known ones), not only
// the first. Keys absent from the file keep their current values.
absl::Status LoadYamlFile(std::span<const Field> fields, const std::string& path);
absl::Status LoadYamlText(std::span<const Field> fields, std::string_view text,
                          std::string_view origin);

// The flag name of a field: "queue.max_alerts" -> "queue-max-alerts".
std::string FlagName(std::string_view key);

// Applies "--flag value" / "--flag=value" arguments that name fields; returns the rest
// (positional arguments and flags that are not config fields, in order).
absl::StatusOr<std::vector<std::string>> ApplyFlags(std::span<const Field> fields,
                                                    const std::vector<std::string>& args);

// How both daemons read their settings: "--config FILE" (or "--config=FILE") names a YAML file,
// loaded first; then every flag that names a field overrides the file. Returns the other
// arguments in order (positional ones, flags that are no setting) for the caller to judge, and
// the file named in `*config_path` ("" when none).
absl::StatusOr<std::vector<std::string>> LoadFileThenFlags(std::span<const Field> fields,
                                                           const std::vector<std::string>& args,
                                                           std::string* config_path);

// The field's current value as text ("30s", "[a, b]", "true").
std::string ValueText(const Field& field);

// Help text, per field: its flag and what the flag takes, then its help, then its YAML key and
// current value (the defaults, when called on a default-constructed config).
std::string Describe(std::span<const Field> fields);

}  // namespace otasuke::config
