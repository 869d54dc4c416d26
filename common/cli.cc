#include "common/cli.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace otasuke::cli {
namespace {

const FlagSpec* Find(std::span<const FlagSpec> specs, std::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool IsBool(const FlagSpec& spec) { return std::holds_alternative<bool*>(spec.target); }

absl::Status Assign(const FlagSpec& spec, std::string_view value) {
  struct Visitor {
    const FlagSpec& spec;
    std::string_view value;
    absl::Status operator()(bool* target) const {
      if (value == "true" || value == "1" || value.empty()) {
        *target = true;
      } else if (value == "false" || value == "0") {
        *target = false;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "flag --", Sv(spec.name), ": expected true or false, got '", Sv(value), "'"));
      }
      return absl::OkStatus();
    }
    absl::Status operator()(std::string* target) const {
      *target = std::string(value);
      return absl::OkStatus();
    }
    absl::Status operator()(int64_t* target) const {
      if (!absl::SimpleAtoi(Sv(value), target)) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", Sv(spec.name), ": expected an integer, got '", Sv(value), "'"));
      }
      return absl::OkStatus();
    }
    absl::Status operator()(std::vector<std::string>* target) const {
      target->emplace_back(value);
      return absl::OkStatus();
    }
  };
  return std::visit(Visitor{spec, value}, spec.target);
}

std::string DefaultOf(const FlagSpec& spec) {
  struct Visitor {
    std::string operator()(bool* target) const { return *target ? "true" : ""; }
    std::string operator()(std::string* target) const { return *target; }
    std::string operator()(int64_t* target) const { return absl::StrCat(*target); }
    std::string operator()(std::vector<std::string>* target) const {
      return absl::StrJoin(*target, ",");
    }
  };
  return std::visit(Visitor{}, spec.target);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseFlags(std::span<const FlagSpec> specs, int argc,
                                                    const char* const* argv, int first) {
  std::vector<std::string> positional;
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) positional.emplace_back(argv[i]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-' || arg == "-") {
      positional.emplace_back(arg);
      continue;
    }
    arg.remove_prefix(arg.starts_with("--") ? 2 : 1);
    std::string_view name = arg;
    std::string_view value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const FlagSpec* spec = Find(specs, name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag '--", Sv(name), "' (see --help)"));
    }
    if (!has_value && !IsBool(*spec)) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", Sv(name), " needs a value (", Sv(spec->value_name), ")"));
      }
      value = argv[++i];
    }
    if (absl::Status status = Assign(*spec, value); !status.ok()) return status;
  }
  return positional;
}

std::string FlagsHelp(std::span<const FlagSpec> specs) {
  std::vector<std::string> heads;
  size_t width = 0;
  for (const FlagSpec& spec : specs) {
    std::string head = absl::StrCat("  --", Sv(spec.name));
    if (!IsBool(spec)) absl::StrAppend(&head, " ", Sv(spec.value_name));
    width = std::max(width, head.size());
    heads.push_back(std::move(head));
  }
  std::string out;
  for (size_t i = 0; i < specs.size(); ++i) {
    absl::StrAppend(&out, heads[i], std::string(width + 2 - heads[i].size(), ' '),
                    Sv(specs[i].help));
    std::string def = DefaultOf(specs[i]);
    if (!def.empty()) absl::StrAppend(&out, " (default: ", def, ")");
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace otasuke::cli
