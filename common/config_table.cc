#include "common/config_table.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "yaml-cpp/yaml.h"

namespace otasuke::config {
namespace {

absl::Status ParseInt(std::string_view text, int64_t* out) {
  std::string t = absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(Sv(text))));
  int64_t mult = 1;
  struct Suffix {
    std::string_view s;
    int64_t m;
  };
  for (const Suffix& sfx :
       {Suffix{"kib", 1 << 10}, Suffix{"mib", 1 << 20}, Suffix{"gib", int64_t{1} << 30},
        Suffix{"k", 1 << 10}, Suffix{"m", 1 << 20}, Suffix{"g", int64_t{1} << 30}}) {
    if (t.size() > sfx.s.size() && std::string_view(t).ends_with(sfx.s)) {
      mult = sfx.m;
      t.resize(t.size() - sfx.s.size());
      break;
    }
  }
  int64_t v = 0;
  if (!absl::SimpleAtoi(t, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an integer such as 512 or 8MiB, got '", Sv(text), "'"));
  }
  if (v > std::numeric_limits<int64_t>::max() / mult ||
      v < std::numeric_limits<int64_t>::min() / mult) {
    return absl::InvalidArgumentError(absl::StrCat("'", Sv(text), "' is too large"));
  }
  *out = v * mult;
  return absl::OkStatus();
}

const Field* FindField(std::span<const Field> fields, std::string_view key) {
  for (const Field& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::string Where(std::string_view origin, const YAML::Mark& mark) {
  return absl::StrCat(Sv(origin), ":", mark.line + 1, ":", mark.column + 1, ": ");
}

bool IsSection(std::span<const Field> fields, std::string_view key) {
  return std::any_of(fields.begin(), fields.end(), [&](const Field& f) {
    return f.key.size() > key.size() && f.key.starts_with(key) && f.key[key.size()] == '.';
  });
}

absl::Status SetFromNode(const Field& field, const YAML::Node& value) {
  if (auto* list = std::get_if<std::vector<std::string>*>(&field.value)) {
    (*list)->clear();
    if (value.IsSequence()) {
      for (const auto& v : value) {
        if (!v.IsScalar()) return absl::InvalidArgumentError("expected a list of values");
        (*list)->push_back(v.Scalar());
      }
    } else if (value.IsScalar()) {
      (*list)->push_back(value.Scalar());
    } else if (!value.IsNull()) {
      return absl::InvalidArgumentError("expected a list of values");
    }
    return absl::OkStatus();
  }
  if (value.IsScalar()) return SetFromText(field, value.Scalar());
  if (value.IsNull()) return SetFromText(field, "");
  return absl::InvalidArgumentError("expected a single value, not a list or a mapping");
}

// Walks one mapping, collecting an error per bad entry so that a file with several mistakes
// is fixed in one round (Falco's rule loader does the same).
void Walk(std::span<const Field> fields, const YAML::Node& map, const std::string& prefix,
          std::string_view origin, std::vector<std::string>* errors) {
  for (const auto& item : map) {
    const std::string where = Where(origin, item.first.Mark());
    if (!item.first.IsScalar()) {
      errors->push_back(absl::StrCat(where, "a setting's name must be a plain word"));
      continue;
    }
    const std::string& name = item.first.Scalar();
    const std::string key = prefix.empty() ? name : absl::StrCat(prefix, ".", name);
    const YAML::Node& value = item.second;
    const Field* field = FindField(fields, key);
    if (field == nullptr && IsSection(fields, key)) {
      if (value.IsMap()) {
        Walk(fields, value, key, origin, errors);
      } else {
        errors->push_back(absl::StrCat(where, "'", key, "' must be a mapping of settings"));
      }
      continue;
    }
    if (field == nullptr) {
      std::string known;
      for (const Field& f : fields) absl::StrAppend(&known, known.empty() ? "" : ", ", Sv(f.key));
      errors->push_back(absl::StrCat(where, "unknown setting '", key, "' (known: ", known, ")"));
      continue;
    }
    if (absl::Status status = SetFromNode(*field, value); !status.ok()) {
      errors->push_back(absl::StrCat(Where(origin, value.Mark()), key, ": ", status.message()));
    }
  }
}

}  // namespace

absl::Status SetFromText(const Field& field, std::string_view text) {
  struct Visitor {
    std::string_view text;
    absl::Status operator()(std::string* v) const {
      *v = std::string(text);
      return absl::OkStatus();
    }
    absl::Status operator()(int64_t* v) const { return ParseInt(text, v); }
    absl::Status operator()(bool* v) const {
      std::string t = absl::AsciiStrToLower(Sv(text));
      if (t == "true" || t == "yes" || t == "on" || t == "1") {
        *v = true;
      } else if (t == "false" || t == "no" || t == "off" || t == "0") {
        *v = false;
      } else {
        return absl::InvalidArgumentError(absl::StrCat("expected true or false, got '", t, "'"));
      }
      return absl::OkStatus();
    }
    absl::Status operator()(absl::Duration* v) const {
      if (!absl::ParseDuration(Sv(text), v) || *v < absl::ZeroDuration()) {
        return absl::InvalidArgumentError(
            absl::StrCat("expected a duration like 30s, 5m or 250ms, got '", Sv(text), "'"));
      }
      return absl::OkStatus();
    }
    absl::Status operator()(std::vector<std::string>* v) const {
      v->emplace_back(text);
      return absl::OkStatus();
    }
  };
  return std::visit(Visitor{text}, field.value);
}

absl::Status LoadYamlText(std::span<const Field> fields, std::string_view text,
                          std::string_view origin) {
  std::vector<std::string> errors;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return absl::OkStatus();  // an empty file keeps the defaults
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(origin, root.Mark()), "the configuration must be a mapping of settings"));
    }
    Walk(fields, root, "", origin, &errors);
  } catch (const YAML::Exception& e) {
    errors.push_back(absl::StrCat(Where(origin, e.mark), "invalid YAML: ", e.msg));
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
}

absl::Status LoadYamlFile(std::span<const Field> fields, const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open config file"));
  std::stringstream buf;
  buf << in.rdbuf();
  return LoadYamlText(fields, buf.str(), path);
}

std::string FlagName(std::string_view key) {
  std::string out(key);
  std::replace(out.begin(), out.end(), '.', '-');
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

absl::StatusOr<std::vector<std::string>> ApplyFlags(std::span<const Field> fields,
                                                    const std::vector<std::string>& args) {
  std::vector<std::string> rest;
  std::vector<const Field*> lists_seen;  // a list flag replaces the file's list, then appends
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!std::string_view(arg).starts_with("--") || arg == "--") {
      rest.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    const Field* field = nullptr;
    for (const Field& f : fields) {
      if (FlagName(f.key) == name) field = &f;
    }
    if (field == nullptr) {
      rest.push_back(arg);
      continue;
    }
    if (!has_value) {
      if (std::holds_alternative<bool*>(field->value)) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    if (auto* list = std::get_if<std::vector<std::string>*>(&field->value)) {
      if (std::find(lists_seen.begin(), lists_seen.end(), field) == lists_seen.end()) {
        (*list)->clear();
        lists_seen.push_back(field);
      }
    }
    if (absl::Status s = SetFromText(*field, value); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, ": ", s.message()));
    }
  }
  return rest;
}

absl::StatusOr<std::vector<std::string>> LoadFileThenFlags(std::span<const Field> fields,
                                                           const std::vector<std::string>& args,
                                                           std::string* config_path) {
  config_path->clear();
  std::vector<std::string> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--config") {
      if (i + 1 == args.size()) {
        return absl::InvalidArgumentError("flag --config needs a value (FILE)");
      }
      *config_path = args[++i];
    } else if (arg.starts_with("--config=")) {
      *config_path = std::string(arg.substr(std::string_view("--config=").size()));
    } else {
      flags.push_back(args[i]);
    }
  }
  if (!config_path->empty()) RETURN_IF_ERROR(LoadYamlFile(fields, *config_path));
  return ApplyFlags(fields, flags);
}

std::string ValueText(const Field& field) {
  struct Visitor {
    std::string operator()(std::string* v) const { return *v; }
    std::string operator()(int64_t* v) const { return absl::StrCat(*v); }
    std::string operator()(bool* v) const { return *v ? "true" : "false"; }
    std::string operator()(absl::Duration* v) const { return absl::FormatDuration(*v); }
    std::string operator()(std::vector<std::string>* v) const {
      return absl::StrCat("[", absl::StrJoin(*v, ", "), "]");
    }
  };
  return std::visit(Visitor{}, field.value);
}

std::string Describe(std::span<const Field> fields) {
  // What a flag takes when its field does not say: from the kind of value.
  struct ValueNameOfKind {
    std::string_view operator()(std::string*) const { return "VALUE"; }
    std::string_view operator()(int64_t*) const { return "N"; }
    std::string_view operator()(bool*) const { return "[=true|false]"; }
    std::string_view operator()(absl::Duration*) const { return "DURATION"; }
    std::string_view operator()(std::vector<std::string>*) const { return "VALUE (repeatable)"; }
  };
  std::string out;
  for (const Field& f : fields) {
    std::string_view value_name =
        f.value_name.empty() ? std::visit(ValueNameOfKind{}, f.value) : f.value_name;
    const bool attached = value_name.starts_with("[");  // "--flag[=true|false]"
    const std::string value = ValueText(f);
    absl::StrAppend(&out, "  --", FlagName(f.key), attached ? "" : " ", Sv(value_name), "\n      ",
                    Sv(f.help), "\n      config: ", Sv(f.key),
                    " (default: ", value.empty() ? "none" : value, ")\n");
  }
  return out;
}

}  // namespace otasuke::config
