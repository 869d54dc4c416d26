#include "agent/sigma/modifiers.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace otasuke::agent::sigma {
namespace {

using R = ModifierRole;

constexpr std::array<ModifierDescriptor, 23> kModifiers = {{
    {.id = ModifierId::kContains,
     .name = "contains",
     .role = R::kMatchType,
     .description = "value occurs anywhere in the field"},
    {.id = ModifierId::kStartsWith,
     .name = "startswith",
     .role = R::kMatchType,
     .description = "field begins with the value"},
    {.id = ModifierId::kEndsWith,
     .name = "endswith",
     .role = R::kMatchType,
     .description = "field ends with the value"},
    {.id = ModifierId::kAll,
     .name = "all",
     .role = R::kFlag,
     .description = "every listed value must match (default: any)"},
    {.id = ModifierId::kRe,
     .name = "re",
     .role = R::kMatchType,
     .description = "PCRE regular expression, case-sensitive unless re|i"},
    {.id = ModifierId::kReI,
     .name = "i",
     .role = R::kFlag,
     .description = "with re: case-insensitive"},
    {.id = ModifierId::kReM,
     .name = "m",
     .role = R::kFlag,
     .description = "with re: ^ and $ match at line breaks"},
    {.id = ModifierId::kReS,
     .name = "s",
     .role = R::kFlag,
     .description = "with re: . matches line breaks"},
    {.id = ModifierId::kCidr,
     .name = "cidr",
     .role = R::kMatchType,
     .description = "IPv4/IPv6 address inside the network"},
    {.id = ModifierId::kBase64,
     .name = "base64",
     .role = R::kTransform,
     .description = "value encoded in base64"},
    {.id = ModifierId::kBase64Offset,
     .name = "base64offset",
     .role = R::kTransform,
     .description = "value base64-encoded at any of the three byte offsets"},
    {.id = ModifierId::kUtf16Le,
     .name = "utf16le",
     .role = R::kTransform,
     .description = "value encoded as UTF-16 little endian"},
    {.id = ModifierId::kUtf16Be,
     .name = "utf16be",
     .role = R::kTransform,
     .description = "value encoded as UTF-16 big endian"},
    {.id = ModifierId::kUtf16,
     .name = "utf16",
     .role = R::kTransform,
     .description = "value encoded as UTF-16 little endian with byte-order mark"},
    {.id = ModifierId::kWide,
     .name = "wide",
     .role = R::kTransform,
     .description = "alias of utf16le"},
    {.id = ModifierId::kWindash,
     .name = "windash",
     .role = R::kTransform,
     .description = "option dashes may be -, /, en dash, em dash or horizontal bar"},
    {.id = ModifierId::kExists,
     .name = "exists",
     .role = R::kMatchType,
     .description = "field is present (true) or absent (false)"},
    {.id = ModifierId::kCased,
     .name = "cased",
     .role = R::kFlag,
     .description = "compare case-sensitively"},
    {.id = ModifierId::kGt,
     .name = "gt",
     .role = R::kMatchType,
     .description = "numeric field greater than the value"},
    {.id = ModifierId::kGte,
     .name = "gte",
     .role = R::kMatchType,
     .description = "numeric field greater than or equal to the value"},
    {.id = ModifierId::kLt,
     .name = "lt",
     .role = R::kMatchType,
     .description = "numeric field less than the value"},
    {.id = ModifierId::kLte,
     .name = "lte",
     .role = R::kMatchType,
     .description = "numeric field less than or equal to the value"},
    {.id = ModifierId::kFieldRef,
     .name = "fieldref",
     .role = R::kMatchType,
     .description = "field equals the value of the named field"},
}};

constexpr size_t kMaxWindashVariants = 625;

absl::Status Fail(std::string_view code, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(Sv(code), ": ", Sv(message)));
}

// Applies transforms in order to one value, giving its expansions.
absl::StatusOr<std::vector<SigmaString>> Transform(SigmaString value,
                                                   const std::vector<ModifierId>& transforms) {
  std::vector<SigmaString> current = {std::move(value)};
  for (ModifierId t : transforms) {
    std::vector<SigmaString> next;
    for (const SigmaString& v : current) {
      switch (t) {
        case ModifierId::kBase64: {
          auto r = EncodeBase64(v);
          if (!r.ok()) return r.status();
          next.push_back(std::move(*r));
          break;
        }
        case ModifierId::kBase64Offset: {
          auto r = EncodeBase64Offsets(v);
          if (!r.ok()) return r.status();
          for (auto& e : *r) next.push_back(std::move(e));
          break;
        }
        case ModifierId::kUtf16Le:
        case ModifierId::kWide:
        case ModifierId::kUtf16Be:
        case ModifierId::kUtf16: {
          auto r = EncodeUtf16(v, t == ModifierId::kUtf16Be);
          if (!r.ok()) return r.status();
          if (t == ModifierId::kUtf16) {
            SigmaString bom = SigmaString::Literal("\xFF\xFE");
            for (auto& p : r->pieces) bom.pieces.push_back(std::move(p));
            // Merge the BOM into a leading literal.
            if (bom.pieces.size() > 1 && bom.pieces[1].kind == SigmaString::PieceKind::kLiteral) {
              bom.pieces[0].text += bom.pieces[1].text;
              bom.pieces.erase(bom.pieces.begin() + 1);
            }
            next.push_back(std::move(bom));
          } else {
            next.push_back(std::move(*r));
          }
          break;
        }
        case ModifierId::kWindash: {
          auto r = ExpandWindash(v, kMaxWindashVariants);
          if (!r.ok()) return r.status();
          for (auto& e : *r) next.push_back(std::move(e));
          break;
        }
        default:
          return absl::InternalError("not a transform");
      }
    }
    current = std::move(next);
  }
  return current;
}

}  // namespace

std::span<const ModifierDescriptor> ModifierTable() { return kModifiers; }

absl::StatusOr<FieldItem> CompileFieldItem(std::string_view key,
                                           const std::vector<std::optional<std::string>>& values) {
  std::vector<absl::string_view> parts = absl::StrSplit(Sv(key), '|');
  FieldItem item;
  item.field = FieldRef::Resolve(StdSv(parts[0]));
  std::optional<ModifierId> match_type;
  std::vector<ModifierId> transforms;
  bool cased = false, re_i = false, re_m = false, re_s = false;
  for (size_t k = 1; k < parts.size(); ++k) {
    const ModifierDescriptor* found = nullptr;
    for (const ModifierDescriptor& d : kModifiers) {
      if (Sv(d.name) == parts[k]) found = &d;
    }
    if (found == nullptr) {
      return Fail("unknown-modifier",
                  absl::StrCat("unknown modifier '", parts[k], "' in '", Sv(key), "'"));
    }
    switch (found->role) {
      case ModifierRole::kMatchType:
        if (match_type.has_value()) {
          return Fail("bad-modifier-combination",
                      absl::StrCat("two comparison modifiers in '", Sv(key), "'"));
        }
        match_type = found->id;
        break;
      case ModifierRole::kTransform:
        transforms.push_back(found->id);
        break;
      case ModifierRole::kFlag:
        if (found->id == ModifierId::kAll) item.all = true;
        if (found->id == ModifierId::kCased) cased = true;
        if (found->id == ModifierId::kReI) re_i = true;
        if (found->id == ModifierId::kReM) re_m = true;
        if (found->id == ModifierId::kReS) re_s = true;
        if ((found->id == ModifierId::kReI || found->id == ModifierId::kReM ||
             found->id == ModifierId::kReS) &&
            match_type != ModifierId::kRe) {
          return Fail(
              "bad-modifier-combination",
              absl::StrCat("'", Sv(found->name), "' needs 're' before it in '", Sv(key), "'"));
        }
        break;
    }
  }
  const bool non_string = match_type == ModifierId::kRe || match_type == ModifierId::kCidr ||
                          match_type == ModifierId::kExists || match_type == ModifierId::kGt ||
                          match_type == ModifierId::kGte || match_type == ModifierId::kLt ||
                          match_type == ModifierId::kLte;
  if (non_string && !transforms.empty()) {
    return Fail(
        "bad-modifier-combination",
        absl::StrCat("value transforms cannot combine with this comparison in '", Sv(key), "'"));
  }
  if (values.empty()) return Fail("bad-value", absl::StrCat("no value for '", Sv(key), "'"));
  if (item.field.name.empty() &&
      (match_type == ModifierId::kExists || match_type == ModifierId::kFieldRef)) {
    return Fail("bad-modifier-combination", "exists/fieldref need a field name");
  }
  for (const std::optional<std::string>& raw : values) {
    std::vector<ValueTest> alternatives;
    if (!raw.has_value()) {
      if (match_type.has_value() || !transforms.empty()) {
        return Fail("bad-value", absl::StrCat("null value with modifiers in '", Sv(key), "'"));
      }
      ValueTest t;
      t.kind = ValueTest::Kind::kNull;
      alternatives.push_back(std::move(t));
      item.values.push_back(std::move(alternatives));
      continue;
    }
    const std::string& v = *raw;
    ValueTest t;
    switch (match_type.value_or(ModifierId::kAll)) {
      case ModifierId::kRe: {
        auto re = RegexMatcher::Compile(v, re_i, re_m, re_s);
        if (!re.ok()) return Fail("bad-regex", StdSv(re.status().message()));
        t.kind = ValueTest::Kind::kRegex;
        t.regex = std::move(*re);
        alternatives.push_back(std::move(t));
        break;
      }
      case ModifierId::kCidr: {
        auto cidr = CidrMatcher::Parse(v);
        if (!cidr.ok()) return Fail("bad-cidr", StdSv(cidr.status().message()));
        t.kind = ValueTest::Kind::kCidr;
        t.cidr = *cidr;
        alternatives.push_back(std::move(t));
        break;
      }
      case ModifierId::kExists: {
        const std::string lower = absl::AsciiStrToLower(v);
        if (lower != "true" && lower != "false") {
          return Fail("bad-value", absl::StrCat("exists takes true or false, not '", v, "'"));
        }
        t.kind = ValueTest::Kind::kExists;
        t.exists = lower == "true";
        alternatives.push_back(std::move(t));
        break;
      }
      case ModifierId::kGt:
      case ModifierId::kGte:
      case ModifierId::kLt:
      case ModifierId::kLte: {
        if (!ParseNumber(v, &t.number)) {
          return Fail("bad-value", absl::StrCat("'", v, "' is not a number"));
        }
        t.kind = ValueTest::Kind::kNumeric;
        t.op = *match_type == ModifierId::kGt    ? NumericOp::kGt
               : *match_type == ModifierId::kGte ? NumericOp::kGte
               : *match_type == ModifierId::kLt  ? NumericOp::kLt
                                                 : NumericOp::kLte;
        alternatives.push_back(std::move(t));
        break;
      }
      case ModifierId::kFieldRef: {
        t.kind = ValueTest::Kind::kFieldRef;
        t.other = FieldRef::Resolve(v);
        t.text = StringMatcher::Compile(SigmaString::Literal(""), cased);
        alternatives.push_back(std::move(t));
        break;
      }
      default: {
        auto expanded = Transform(SigmaString::Parse(v), transforms);
        if (!expanded.ok()) return Fail("bad-value", StdSv(expanded.status().message()));
        for (SigmaString& s : *expanded) {
          if (match_type == ModifierId::kContains || match_type == ModifierId::kEndsWith) {
            s.PrependStar();
          }
          if (match_type == ModifierId::kContains || match_type == ModifierId::kStartsWith) {
            s.AppendStar();
          }
          // Keywords are full-text searches: they match anywhere in a value.
          if (item.field.name.empty() && !match_type.has_value()) {
            s.PrependStar();
            s.AppendStar();
          }
          ValueTest alt;
          alt.kind = ValueTest::Kind::kString;
          alt.text = StringMatcher::Compile(s, cased);
          alternatives.push_back(std::move(alt));
        }
      }
    }
    item.values.push_back(std::move(alternatives));
  }
  return item;
}

}  // namespace otasuke::agent::sigma
