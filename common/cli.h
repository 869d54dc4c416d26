#pragma once
// Table-driven command-line flags: one FlagSpec array per command drives parsing and --help,
// so the help text can never drift from what is accepted. No global flag registry.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace otasuke::cli {

// Where a parsed value goes. A vector target makes the flag repeatable.
using FlagTarget = std::variant<bool*, std::string*, int64_t*, std::vector<std::string>*>;

struct FlagSpec {
  std::string_view name;        // without dashes: "data-dir"
  std::string_view value_name;  // "DIR"; ignored for bool flags
  std::string_view help;
  FlagTarget target;
};

// Parses argv[first..argc). Accepts --name=value, --name value, and bare --name for bools
// (also --name=true|false). "--" ends flags. Returns the positional arguments in order.
absl::StatusOr<std::vector<std::string>> ParseFlags(std::span<const FlagSpec> specs, int argc,
                                                    const char* const* argv, int first);

// "  --data-dir DIR   help (default: x)" lines, aligned, for --help output. The defaults shown
// are the targets' current values, so build the help before ParseFlags assigns them (after it,
// `--help` itself would read "(default: true)" and a parsed value would pass for the default).
std::string FlagsHelp(std::span<const FlagSpec> specs);

}  // namespace otasuke::cli
