#include "collector/tenancy/import.h"

#include <algorithm>
#include <fstream>
#include <span>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "yaml-cpp/yaml.h"

namespace otasuke::collector::tenancy {
namespace {

constexpr size_t kMaxErrors = 50;

// One field as written: its values (a CSV cell split on ';', or a YAML scalar or sequence) and
// where it was written.
struct FieldValue {
  std::vector<std::string> items;
  std::string origin;  // "file:line"
  std::string text() const { return absl::StrJoin(items, ";"); }
};

struct RawRecord {
  std::string origin;
  std::vector<std::pair<std::string, FieldValue>> fields;
};

// What a rota row describes before it is expanded into one entry per weekday.
struct RotaDraft {
  RotaEntry entry;
  std::vector<absl::Weekday> days;
  bool has_start = false;
  bool has_end = false;
  bool has_from = false;
  bool has_until = false;
};

template <typename T>
struct FieldSpec {
  std::string_view name;
  absl::Status (*set)(T&, const FieldValue&);
};

absl::Status SetDuration(absl::Duration& out, const FieldValue& v) {
  std::string text = absl::AsciiStrToLower(absl::StripAsciiWhitespace(v.text()));
  if (text == "0" || text == "none") {
    out = absl::ZeroDuration();
    return absl::OkStatus();
  }
  if (!absl::ParseDuration(text, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", v.text(), "' is not a duration (e.g. 15m, 1h, 0 for no timer)"));
  }
  return absl::OkStatus();
}

absl::Status SetTime(absl::Time& out, const FieldValue& v) {
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, v.text(), &out, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", v.text(), "' is not an RFC 3339 time with its offset (2026-11-23T09:00:00+09:00)"));
  }
  return absl::OkStatus();
}

#define OTASUKE_TEXT_FIELD(Type, name, member) \
  FieldSpec<Type> {                            \
    name, [](Type& r, const FieldValue& v) {   \
      r.member = v.text();                     \
      return absl::OkStatus();                 \
    }                                          \
  }

constexpr FieldSpec<Region> kRegionFields[] = {
    OTASUKE_TEXT_FIELD(Region, "name", name),
    OTASUKE_TEXT_FIELD(Region, "time_zone", time_zone),
};

const FieldSpec<Tenant> kTenantFields[] = {
    OTASUKE_TEXT_FIELD(Tenant, "id", id),
    OTASUKE_TEXT_FIELD(Tenant, "name", name),
    OTASUKE_TEXT_FIELD(Tenant, "region", region),
    OTASUKE_TEXT_FIELD(Tenant, "owner_name", owner.name),
    OTASUKE_TEXT_FIELD(Tenant, "owner_phone", owner.phone),
    OTASUKE_TEXT_FIELD(Tenant, "owner_email", owner.email),
    OTASUKE_TEXT_FIELD(Tenant, "owner_chat", owner.chat),
    OTASUKE_TEXT_FIELD(Tenant, "secondary_name", secondary.name),
    OTASUKE_TEXT_FIELD(Tenant, "secondary_phone", secondary.phone),
    OTASUKE_TEXT_FIELD(Tenant, "secondary_email", secondary.email),
    OTASUKE_TEXT_FIELD(Tenant, "secondary_chat", secondary.chat),
    OTASUKE_TEXT_FIELD(Tenant, "address", address),
    OTASUKE_TEXT_FIELD(Tenant, "access_notes", access_notes),
    OTASUKE_TEXT_FIELD(Tenant, "service_hours", service_hours),
    {"ack_sla_critical",
     [](Tenant& t, const FieldValue& v) { return SetDuration(t.ack_sla.critical, v); }},
    {"ack_sla_high", [](Tenant& t, const FieldValue& v) { return SetDuration(t.ack_sla.high, v); }},
    {"ack_sla_medium",
     [](Tenant& t, const FieldValue& v) { return SetDuration(t.ack_sla.medium, v); }},
    {"ack_sla_low", [](Tenant& t, const FieldValue& v) { return SetDuration(t.ack_sla.low, v); }},
    {"containment",
     [](Tenant& t, const FieldValue& v) -> absl::Status {
       ASSIGN_OR_RETURN(t.containment, ParseContainment(v.text()));
       return absl::OkStatus();
     }},
    {"dispatch_threshold",
     [](Tenant& t, const FieldValue& v) -> absl::Status {
       ASSIGN_OR_RETURN(t.dispatch_threshold, ParseSeverity(v.text()));
       return absl::OkStatus();
     }},
};

const FieldSpec<Responder> kResponderFields[] = {
    OTASUKE_TEXT_FIELD(Responder, "handle", handle),
    OTASUKE_TEXT_FIELD(Responder, "name", name),
    {"role",
     [](Responder& r, const FieldValue& v) -> absl::Status {
       ASSIGN_OR_RETURN(r.role, ParseRole(v.text()));
       return absl::OkStatus();
     }},
    {"regions",
     [](Responder& r, const FieldValue& v) {
       r.regions = v.items;
       return absl::OkStatus();
     }},
    {"skills",
     [](Responder& r, const FieldValue& v) {
       r.skills = v.items;
       return absl::OkStatus();
     }},
    OTASUKE_TEXT_FIELD(Responder, "email", email),
    OTASUKE_TEXT_FIELD(Responder, "phone", phone),
    OTASUKE_TEXT_FIELD(Responder, "chat", chat),
    OTASUKE_TEXT_FIELD(Responder, "webhook", webhook),
    OTASUKE_TEXT_FIELD(Responder, "tenant", viewer_tenant_id),
};

const FieldSpec<RotaDraft> kRotaFields[] = {
    OTASUKE_TEXT_FIELD(RotaDraft, "region", entry.region),
    OTASUKE_TEXT_FIELD(RotaDraft, "responder", entry.responder),
    {"tier",
     [](RotaDraft& d, const FieldValue& v) -> absl::Status {
       ASSIGN_OR_RETURN(d.entry.tier, ParseTier(v.text()));
       return absl::OkStatus();
     }},
    {"days",
     [](RotaDraft& d, const FieldValue& v) -> absl::Status {
       for (const std::string& item : v.items) {
         ASSIGN_OR_RETURN(absl::Weekday day, ParseWeekday(item));
         d.days.push_back(day);
       }
       return absl::OkStatus();
     }},
    {"start",
     [](RotaDraft& d, const FieldValue& v) -> absl::Status {
       ASSIGN_OR_RETURN(d.entry.start_minute, ParseClockMinutes(v.text()));
       d.has_start = true;
       return absl::OkStatus();
     }},
    {"end",
     [](RotaDraft& d, const FieldValue& v) -> absl::Status {
       ASSIGN_OR_RETURN(d.entry.end_minute, ParseClockMinutes(v.text()));
       d.has_end = true;
       return absl::OkStatus();
     }},
    {"from",
     [](RotaDraft& d, const FieldValue& v) {
       d.has_from = true;
       return SetTime(d.entry.starts_at, v);
     }},
    {"until",
     [](RotaDraft& d, const FieldValue& v) {
       d.has_until = true;
       return SetTime(d.entry.ends_at, v);
     }},
};

#undef OTASUKE_TEXT_FIELD

class ErrorList {
 public:
  void Add(std::string_view origin, std::string_view field, std::string_view why) {
    if (errors_.size() < kMaxErrors) {
      errors_.push_back(field.empty() ? absl::StrCat(Sv(origin), ": ", Sv(why))
                                      : absl::StrCat(Sv(origin), ": ", Sv(field), ": ", Sv(why)));
    }
    ++count_;
  }
  bool empty() const { return count_ == 0; }
  absl::Status ToStatus(std::string_view origin) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(origin), ": ", count_, count_ == 1 ? " error" : " errors",
                     ", nothing imported:\n", absl::StrJoin(errors_, "\n")));
  }

 private:
  std::vector<std::string> errors_;
  size_t count_ = 0;
};

// Applies a raw record to a fresh T through its field table; unknown fields are errors.
template <typename T>
bool Build(const RawRecord& raw, std::span<const FieldSpec<T>> specs, T& out, ErrorList& errors) {
  bool ok = true;
  for (const auto& [name, value] : raw.fields) {
    const FieldSpec<T>* spec = nullptr;
    for (const FieldSpec<T>& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      errors.Add(value.origin, name,
                 absl::StrCat("unknown field (known: ", absl::StrJoin(Names(specs), ", "), ")"));
      ok = false;
      continue;
    }
    if (value.items.empty()) continue;  // an empty CSV cell keeps the default
    if (absl::Status s = spec->set(out, value); !s.ok()) {
      errors.Add(value.origin, name, StdSv(s.message()));
      ok = false;
    }
  }
  return ok;
}

// Field-level validation errors already start with the field name.
void AddValidation(ErrorList& errors, std::string_view origin, const absl::Status& status) {
  if (!status.ok()) errors.Add(origin, "", StdSv(status.message()));
}

enum class Kind { kRegions, kTenants, kResponders, kRota };
constexpr std::pair<Kind, std::string_view> kKinds[] = {{Kind::kRegions, "regions"},
                                                        {Kind::kTenants, "tenants"},
                                                        {Kind::kResponders, "responders"},
                                                        {Kind::kRota, "rota"}};

template <typename T>
std::vector<std::string> Names(std::span<const FieldSpec<T>> specs) {
  std::vector<std::string> names;
  for (const FieldSpec<T>& s : specs) names.emplace_back(s.name);
  return names;
}

std::vector<std::string> FieldNames(Kind kind) {
  switch (kind) {
    case Kind::kRegions:
      return Names<Region>(kRegionFields);
    case Kind::kTenants:
      return Names<Tenant>(kTenantFields);
    case Kind::kResponders:
      return Names<Responder>(kResponderFields);
    case Kind::kRota:
      return Names<RotaDraft>(kRotaFields);
  }
  return {};
}

void AddRecord(Kind kind, const RawRecord& raw, ImportBundle& bundle, ErrorList& errors) {
  switch (kind) {
    case Kind::kRegions: {
      Region region;
      region.time_zone = "Asia/Tokyo";
      if (!Build<Region>(raw, kRegionFields, region, errors)) return;
      if (region.name.empty()) return errors.Add(raw.origin, "name", "is required");
      bundle.regions.push_back({std::move(region), raw.origin});
      return;
    }
    case Kind::kTenants: {
      Tenant tenant;
      if (!Build<Tenant>(raw, kTenantFields, tenant, errors)) return;
      absl::Status valid = ValidateTenant(tenant);
      if (!valid.ok()) return AddValidation(errors, raw.origin, valid);
      bundle.tenants.push_back({std::move(tenant), raw.origin});
      return;
    }
    case Kind::kResponders: {
      Responder responder;
      if (!Build<Responder>(raw, kResponderFields, responder, errors)) return;
      absl::Status valid = ValidateResponder(responder);
      if (!valid.ok()) return AddValidation(errors, raw.origin, valid);
      bundle.responders.push_back({std::move(responder), raw.origin});
      return;
    }
    case Kind::kRota: {
      RotaDraft draft;
      if (!Build<RotaDraft>(raw, kRotaFields, draft, errors)) return;
      const bool weekly = !draft.days.empty() || draft.has_start || draft.has_end;
      const bool override = draft.has_from || draft.has_until;
      if (weekly == override) {
        return errors.Add(raw.origin, "",
                          "a rota entry is either weekly (days, start, end) or an override "
                          "(from, until)");
      }
      if (weekly && (draft.days.empty() || !draft.has_start || !draft.has_end)) {
        return errors.Add(raw.origin,
                          draft.days.empty() ? "days" : (draft.has_start ? "end" : "start"),
                          "is required for a weekly entry");
      }
      if (override && !(draft.has_from && draft.has_until)) {
        return errors.Add(raw.origin, draft.has_from ? "until" : "from",
                          "is required for an override");
      }
      std::vector<RotaEntry> entries;
      if (override) entries.push_back(draft.entry);
      for (absl::Weekday day : draft.days) {
        entries.push_back(draft.entry);
        entries.back().weekday = day;
      }
      for (RotaEntry& entry : entries) {
        absl::Status valid = ValidateRotaEntry(entry);
        if (!valid.ok()) return AddValidation(errors, raw.origin, valid);
        bundle.rota.push_back({std::move(entry), raw.origin});
      }
      return;
    }
  }
}

// --- YAML ---

std::string YamlOrigin(std::string_view file, const YAML::Mark& mark) {
  return absl::StrCat(Sv(file), ":", mark.line + 1);
}

// Flattens a record mapping: nested mappings join keys with '_' (owner: {phone} -> owner_phone),
// sequences become items.
void FlattenYaml(std::string_view file, const YAML::Node& node, const std::string& prefix,
                 RawRecord& raw, ErrorList& errors) {
  for (const auto& kv : node) {
    const std::string key = prefix + kv.first.Scalar();
    const YAML::Node& value = kv.second;
    FieldValue field{.items = {}, .origin = YamlOrigin(file, value.Mark())};
    if (value.IsMap()) {
      FlattenYaml(file, value, key + "_", raw, errors);
      continue;
    }
    if (value.IsSequence()) {
      for (const auto& item : value) {
        if (!item.IsScalar()) {
          errors.Add(YamlOrigin(file, item.Mark()), key, "expected a list of plain values");
          continue;
        }
        field.items.push_back(item.Scalar());
      }
    } else if (value.IsScalar()) {
      field.items.push_back(value.Scalar());
    }
    raw.fields.emplace_back(key, std::move(field));
  }
}

absl::StatusOr<ImportBundle> ParseYaml(std::string_view file, std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlOrigin(file, e.mark), ":", e.mark.column + 1, ": ", e.msg));
  }
  ImportBundle bundle;
  ErrorList errors;
  if (!root.IsMap()) {
    errors.Add(YamlOrigin(file, root.Mark()), "",
               "expected a mapping with regions, tenants, responders and rota lists");
    return errors.ToStatus(file);
  }
  for (const auto& section : root) {
    const std::string name = section.first.Scalar();
    const Kind* kind = nullptr;
    for (const auto& [k, n] : kKinds) {
      if (n == name) kind = &k;
    }
    if (kind == nullptr) {
      errors.Add(YamlOrigin(file, section.first.Mark()), name,
                 "unknown section (expected regions, tenants, responders or rota)");
      continue;
    }
    if (!section.second.IsSequence()) {
      errors.Add(YamlOrigin(file, section.second.Mark()), name, "expected a list of records");
      continue;
    }
    for (const auto& item : section.second) {
      RawRecord raw{.origin = YamlOrigin(file, item.Mark()), .fields = {}};
      if (!item.IsMap()) {
        errors.Add(raw.origin, name, "each record must be a mapping of fields");
        continue;
      }
      FlattenYaml(file, item, "", raw, errors);
      AddRecord(*kind, raw, bundle, errors);
    }
  }
  if (!errors.empty()) return errors.ToStatus(file);
  return bundle;
}

// --- CSV (RFC 4180: quoted fields, "" inside quotes, CRLF or LF, an optional UTF-8 BOM) ---

struct CsvRow {
  int line = 0;
  std::vector<std::string> cells;
};

absl::StatusOr<std::vector<CsvRow>> SplitCsv(std::string_view file, std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRow> rows;
  CsvRow row{.line = 1, .cells = {}};
  std::string cell;
  int line = 1;
  bool quoted = false;
  bool cell_started = false;
  int quote_line = 0;
  auto end_row = [&]() {
    if (cell_started || !row.cells.empty() || !cell.empty()) {
      row.cells.push_back(std::move(cell));
      rows.push_back(std::move(row));
    }
    cell.clear();
    row = CsvRow{.line = line, .cells = {}};
    cell_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    switch (c) {
      case '"':
        if (!cell.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              Sv(file), ":", line, ": a quote inside an unquoted field (quote the whole field)"));
        }
        quoted = true;
        cell_started = true;
        quote_line = line;
        break;
      case ',':
        row.cells.push_back(std::move(cell));
        cell.clear();
        cell_started = true;
        break;
      case '\r':
        break;
      case '\n':
        ++line;
        end_row();
        break;
      default:
        cell += c;
        cell_started = true;
    }
  }
  if (quoted) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(file), ":", quote_line, ": unterminated quoted field"));
  }
  end_row();
  return rows;
}

absl::StatusOr<ImportBundle> ParseCsv(std::string_view file, std::string_view text) {
  std::string_view base = file.substr(
      file.find_last_of('/') == std::string_view::npos ? 0 : file.find_last_of('/') + 1);
  const Kind* kind = nullptr;
  for (const auto& [k, n] : kKinds) {
    if (base.starts_with(n)) kind = &k;
  }
  if (kind == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(file),
                     ": the file name must start with regions, tenants, responders or rota to say "
                     "what it holds"));
  }
  ASSIGN_OR_RETURN(std::vector<CsvRow> rows, SplitCsv(file, text));
  if (rows.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(file), ":1: empty file: a header is required"));
  }
  std::vector<std::string> header;
  for (const std::string& name : rows[0].cells) {
    header.push_back(absl::AsciiStrToLower(absl::StripAsciiWhitespace(name)));
  }
  ImportBundle bundle;
  ErrorList errors;
  // Unknown columns are reported once, on the header, and then ignored.
  const std::vector<std::string> known = FieldNames(*kind);
  std::vector<bool> use(header.size(), true);
  for (size_t c = 0; c < header.size(); ++c) {
    if (std::find(known.begin(), known.end(), header[c]) == known.end()) {
      use[c] = false;
      errors.Add(absl::StrCat(Sv(file), ":", rows[0].line), header[c],
                 absl::StrCat("unknown column (known: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  for (size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    const std::string origin = absl::StrCat(Sv(file), ":", row.line);
    if (row.cells.size() == 1 && absl::StripAsciiWhitespace(row.cells[0]).empty()) continue;
    if (row.cells.size() != header.size()) {
      errors.Add(origin, "",
                 absl::StrCat(row.cells.size(), " fields but the header has ", header.size()));
      continue;
    }
    RawRecord raw{.origin = origin, .fields = {}};
    for (size_t c = 0; c < header.size(); ++c) {
      if (!use[c]) continue;
      FieldValue value{.items = {}, .origin = origin};
      for (absl::string_view item : absl::StrSplit(row.cells[c], ';', absl::SkipWhitespace())) {
        value.items.emplace_back(absl::StripAsciiWhitespace(item));
      }
      raw.fields.emplace_back(header[c], std::move(value));
    }
    AddRecord(*kind, raw, bundle, errors);
  }
  if (!errors.empty()) return errors.ToStatus(file);
  return bundle;
}

template <typename T>
void Append(std::vector<T>& to, std::vector<T>& from) {
  for (T& item : from) to.push_back(std::move(item));
}

}  // namespace

absl::StatusOr<ImportBundle> ParseImport(std::string_view origin, std::string_view text) {
  if (absl::EndsWith(Sv(origin), ".yaml") || absl::EndsWith(Sv(origin), ".yml")) {
    return ParseYaml(origin, text);
  }
  if (absl::EndsWith(Sv(origin), ".csv")) return ParseCsv(origin, text);
  return absl::InvalidArgumentError(
      absl::StrCat(Sv(origin), ": unknown import format (use .yaml, .yml or .csv)"));
}

void AppendBundle(ImportBundle& into, ImportBundle from) {
  Append(into.regions, from.regions);
  Append(into.tenants, from.tenants);
  Append(into.responders, from.responders);
  Append(into.rota, from.rota);
}

absl::Status ParseImportFile(const std::string& path, ImportBundle& bundle) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream text;
  text << in.rdbuf();
  ASSIGN_OR_RETURN(ImportBundle parsed, ParseImport(path, text.str()));
  AppendBundle(bundle, std::move(parsed));
  return absl::OkStatus();
}

}  // namespace otasuke::collector::tenancy
