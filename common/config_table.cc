#include "common/config_table.h"

#include <algorithm>
#include <fstream>
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
        absl::StrCat("expected an integer (optionally with KiB/MiB/GiB), got '", Sv(text), "'"));
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
  return absl::StrCat(Sv(origin), ":", mark.line + 1, ":", mark.column + 1);
}

absl::Status Walk(std::span<const Field> fields, const YAML::Node& node, const std::string& prefix,
                  std::string_view origin) {
  if (!node.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(origin, node.Mark()), ": expected a mapping of settings",
                     prefix.empty() ? "" : absl::StrCat(" under '", prefix, "'")));
  }
  for (const auto& item : node) {
    const std::string name = item.first.as<std::string>();
    const std::string key = prefix.empty() ? name : absl::StrCat(prefix, ".", name);
    const YAML::Node& value = item.second;
    const Field* field = FindField(fields, key);
    if (field == nullptr) {
      const bool is_section = std::any_of(fields.begin(), fields.end(), [&](const Field& f) {
        return std::string_view(f.key).starts_with(key + ".");
      });
      if (is_section) {
        RETURN_IF_ERROR(Walk(fields, value, key, origin));
        continue;
      }
      return absl::InvalidArgumentError(
          absl::StrCat(Where(origin, item.first.Mark()), ": unknown setting '", key, "'"));
    }
    absl::Status status;
    if (auto* list = std::get_if<std::vector<std::string>*>(&field->value)) {
      (*list)->clear();
      if (value.IsSequence()) {
        for (const auto& v : value) (*list)->push_back(v.as<std::string>());
      } else if (value.IsScalar()) {
        (*list)->push_back(value.as<std::string>());
      } else if (!value.IsNull()) {
        status = absl::InvalidArgumentError("expected a list");
      }
    } else if (value.IsScalar()) {
      status = SetFromText(*field, value.Scalar());
    } else if (value.IsNull()) {
      status = SetFromText(*field, "");
    } else {
      status = absl::InvalidArgumentError("expected a single value");
    }
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(origin, value.Mark()), ": '", key, "': ", status.message()));
    }
  }
  return absl::OkStatus();
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
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return absl::OkStatus();  // an empty file keeps the defaults
    return Walk(fields, root, "", origin);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(origin, e.mark), ": invalid YAML: ", e.msg));
  }
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

std::string Describe(std::span<const Field> fields) {
  struct Visitor {
    std::string operator()(std::string* v) const { return *v; }
    std::string operator()(int64_t* v) const { return absl::StrCat(*v); }
    std::string operator()(bool* v) const { return *v ? "true" : "false"; }
    std::string operator()(absl::Duration* v) const { return absl::FormatDuration(*v); }
    std::string operator()(std::vector<std::string>* v) const {
      return absl::StrCat("[", absl::StrJoin(*v, ", "), "]");
    }
  };
  size_t width = 0;
  for (const Field& f : fields) width = std::max(width, FlagName(f.key).size() + 4);
  std::string out;
  for (const Field& f : fields) {
    std::string flag = absl::StrCat("  --", FlagName(f.key));
    flag.resize(width + 2, ' ');
    absl::StrAppend(&out, flag, Sv(f.help), "\n", std::string(width + 2, ' '),
                    "config: ", Sv(f.key), " (default: ", std::visit(Visitor{}, f.value), ")\n");
  }
  return out;
}

}  // namespace otasuke::config
