#include "collector/tenancy/model.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace otasuke::collector::tenancy {
namespace {

// One name table per enum drives both directions, so a name can never parse to something else
// than it prints as.
template <typename E, size_t N>
struct NameTable {
  std::array<std::pair<E, std::string_view>, N> entries;
  std::string_view kind;

  std::string_view Name(E value) const {
    for (const auto& [v, name] : entries) {
      if (v == value) return name;
    }
    return "?";
  }
  absl::StatusOr<E> Parse(std::string_view text) const {
    std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(Sv(text)));
    std::vector<std::string> names;
    for (const auto& [v, name] : entries) {
      if (name == lower) return v;
      names.emplace_back(name);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("unknown ", Sv(kind), " '", Sv(text),
                     "' (expected one of: ", absl::StrJoin(names, ", "), ")"));
  }
};

constexpr NameTable<Role, 4> kRoles{{{{Role::kResponder, "responder"},
                                      {Role::kLead, "lead"},
                                      {Role::kAdmin, "admin"},
                                      {Role::kViewer, "viewer"}}},
                                    "role"};
constexpr NameTable<Tier, 2> kTiers{
    {{{Tier::kPrimary, "primary"}, {Tier::kSecondary, "secondary"}}}, "tier"};
constexpr NameTable<Containment, 2> kContainments{
    {{{Containment::kApprovalRequired, "approval"}, {Containment::kAutomatic, "automatic"}}},
    "containment policy"};
constexpr NameTable<absl::Weekday, 7> kWeekdays{{{{absl::Weekday::monday, "mon"},
                                                  {absl::Weekday::tuesday, "tue"},
                                                  {absl::Weekday::wednesday, "wed"},
                                                  {absl::Weekday::thursday, "thu"},
                                                  {absl::Weekday::friday, "fri"},
                                                  {absl::Weekday::saturday, "sat"},
                                                  {absl::Weekday::sunday, "sun"}}},
                                                "weekday"};
constexpr NameTable<v1::Severity, 5> kSeverities{{{{v1::SEVERITY_INFORMATIONAL, "informational"},
                                                   {v1::SEVERITY_LOW, "low"},
                                                   {v1::SEVERITY_MEDIUM, "medium"},
                                                   {v1::SEVERITY_HIGH, "high"},
                                                   {v1::SEVERITY_CRITICAL, "critical"}}},
                                                 "severity"};

absl::Status FieldError(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(Sv(field), ": ", Sv(why)));
}

absl::Status CheckEmail(std::string_view field, std::string_view email) {
  if (email.empty()) return absl::OkStatus();
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size() ||
      email.find(' ') != std::string_view::npos) {
    return FieldError(field, absl::StrCat("'", Sv(email), "' is not an e-mail address"));
  }
  return absl::OkStatus();
}

absl::Status CheckContact(std::string_view prefix, const Contact& contact) {
  return CheckEmail(absl::StrCat(Sv(prefix), ".email"), contact.email);
}

absl::Status CheckId(std::string_view field, std::string_view id) {
  if (id.empty()) return FieldError(field, "is required");
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return FieldError(
          field, absl::StrCat("'", Sv(id), "' may contain only letters, digits, '-', '_' and '.'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Duration AckSla::For(v1::Severity severity) const {
  switch (severity) {
    case v1::SEVERITY_CRITICAL:
      return critical;
    case v1::SEVERITY_HIGH:
      return high;
    case v1::SEVERITY_MEDIUM:
      return medium;
    case v1::SEVERITY_LOW:
      return low;
    default:
      return absl::ZeroDuration();
  }
}

std::string_view RoleName(Role role) { return kRoles.Name(role); }
std::string_view TierName(Tier tier) { return kTiers.Name(tier); }
std::string_view ContainmentName(Containment c) { return kContainments.Name(c); }
std::string_view WeekdayName(absl::Weekday day) { return kWeekdays.Name(day); }
absl::StatusOr<Role> ParseRole(std::string_view text) { return kRoles.Parse(text); }
absl::StatusOr<Tier> ParseTier(std::string_view text) { return kTiers.Parse(text); }
absl::StatusOr<Containment> ParseContainment(std::string_view text) {
  return kContainments.Parse(text);
}
absl::StatusOr<absl::Weekday> ParseWeekday(std::string_view text) { return kWeekdays.Parse(text); }
absl::StatusOr<v1::Severity> ParseSeverity(std::string_view text) {
  return kSeverities.Parse(text);
}

absl::StatusOr<int> ParseClockMinutes(std::string_view text) {
  std::string_view t = StdSv(absl::StripAsciiWhitespace(Sv(text)));
  int hours = 0;
  int minutes = 0;
  size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0 || t.size() - colon != 3 ||
      !absl::SimpleAtoi(Sv(t.substr(0, colon)), &hours) ||
      !absl::SimpleAtoi(Sv(t.substr(colon + 1)), &minutes) || hours < 0 || minutes < 0 ||
      minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", Sv(text), "' is not a time of day HH:MM (00:00 to 24:00)"));
  }
  return hours * 60 + minutes;
}

std::string FormatClockMinutes(int minutes) {
  return absl::StrCat(minutes / 60 < 10 ? "0" : "", minutes / 60, ":", minutes % 60 < 10 ? "0" : "",
                      minutes % 60);
}

absl::Status ValidateTenant(const Tenant& tenant) {
  if (absl::Status s = CheckId("id", tenant.id); !s.ok()) return s;
  if (tenant.name.empty()) return FieldError("name", "is required");
  if (tenant.region.empty()) return FieldError("region", "is required (it selects the rota)");
  if (absl::Status s = CheckContact("owner", tenant.owner); !s.ok()) return s;
  if (absl::Status s = CheckContact("secondary", tenant.secondary); !s.ok()) return s;
  if (tenant.owner.phone.empty() && tenant.owner.email.empty() && tenant.owner.chat.empty()) {
    return FieldError("owner", "needs at least one of phone, email or chat");
  }
  const std::pair<std::string_view, absl::Duration> slas[] = {
      {"ack_sla.critical", tenant.ack_sla.critical},
      {"ack_sla.high", tenant.ack_sla.high},
      {"ack_sla.medium", tenant.ack_sla.medium},
      {"ack_sla.low", tenant.ack_sla.low}};
  for (const auto& [field, sla] : slas) {
    if (sla < absl::ZeroDuration() || sla > absl::Hours(24 * 7)) {
      return FieldError(field, "must be between 0 (no timer) and 7 days");
    }
  }
  if (tenant.dispatch_threshold < v1::SEVERITY_LOW) {
    return FieldError("dispatch_threshold", "must be low, medium, high or critical");
  }
  return absl::OkStatus();
}

absl::Status ValidateResponder(const Responder& responder) {
  if (absl::Status s = CheckId("handle", responder.handle); !s.ok()) return s;
  if (responder.name.empty()) return FieldError("name", "is required");
  if (absl::Status s = CheckEmail("email", responder.email); !s.ok()) return s;
  if (responder.role == Role::kViewer) {
    if (responder.viewer_tenant_id.empty()) {
      return FieldError("tenant", "a viewer must be bound to one tenant");
    }
  } else {
    if (!responder.viewer_tenant_id.empty()) {
      return FieldError("tenant", "only a viewer is bound to a tenant");
    }
    if (responder.regions.empty()) return FieldError("regions", "at least one region is required");
  }
  if (!responder.webhook.empty() && !responder.webhook.starts_with("http://") &&
      !responder.webhook.starts_with("https://")) {
    return FieldError("webhook", absl::StrCat("'", responder.webhook, "' is not an http(s) URL"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRotaEntry(const RotaEntry& entry) {
  if (entry.region.empty()) return FieldError("region", "is required");
  if (entry.responder.empty()) return FieldError("responder", "is required");
  if (entry.is_override()) {
    if (entry.ends_at <= entry.starts_at) return FieldError("end", "must be after start");
  } else if (entry.start_minute < 0 || entry.end_minute > 24 * 60 ||
             entry.end_minute <= entry.start_minute) {
    return FieldError("end", "must be after start on the same day (split a night shift in two)");
  }
  return absl::OkStatus();
}

bool Overlaps(const RotaEntry& a, const RotaEntry& b) {
  if (a.region != b.region || a.tier != b.tier || a.is_override() != b.is_override()) return false;
  if (a.is_override()) return a.starts_at < b.ends_at && b.starts_at < a.ends_at;
  return *a.weekday == *b.weekday && a.start_minute < b.end_minute && b.start_minute < a.end_minute;
}

}  // namespace otasuke::collector::tenancy
