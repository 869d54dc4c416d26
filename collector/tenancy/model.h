#pragma once
// The helper team's people and customers as typed records: a tenant (one SME) with its contract
// terms, a responder with channels, regions and skills, and one rota entry. Validation lives here
// so the importer, the console and the tests agree on what a valid record is.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::collector::tenancy {

struct Contact {
  std::string name;
  std::string phone;
  std::string email;
  std::string chat;  // chat handle (Slack / LINE id)
};

enum class Containment { kApprovalRequired, kAutomatic };

// Acknowledge-time SLA per severity. A zero duration means "no timer": such incidents appear in
// reports only and are not dispatched. Defaults follow market practice for SME helper services.
struct AckSla {
  absl::Duration critical = absl::Minutes(15);
  absl::Duration high = absl::Minutes(15);
  absl::Duration medium = absl::Minutes(60);
  absl::Duration low = absl::ZeroDuration();
  absl::Duration For(v1::Severity severity) const;
};

struct Tenant {
  std::string id;
  std::string name;
  std::string region;
  Contact owner;
  Contact secondary;
  std::string address;
  std::string access_notes;
  std::string service_hours = "24x7";  // recorded for visits and reports; watching is 24x7
  AckSla ack_sla;
  Containment containment = Containment::kApprovalRequired;
  // Incidents at or above this severity are dispatched to the on-call responder.
  v1::Severity dispatch_threshold = v1::SEVERITY_MEDIUM;
};

enum class Role { kResponder, kLead, kAdmin, kViewer };

struct Responder {
  int64_t id = 0;      // assigned by the store
  std::string handle;  // stable external key ("tanaka"), used by rotas and otasukectl
  std::string name;
  Role role = Role::kResponder;
  std::vector<std::string> regions;
  std::vector<std::string> skills;
  std::string email;
  std::string phone;
  std::string chat;
  std::string webhook;           // where dispatch notifications are POSTed
  std::string viewer_tenant_id;  // role kViewer only: the one tenant it may see
};

enum class Tier { kPrimary, kSecondary };

// Weekly entries are local times in the region's zone on one weekday ([start, end) minutes of
// the day; a night shift is two entries). Overrides are absolute UTC ranges that replace the
// weekly entries of their region and tier while they last.
struct RotaEntry {
  int64_t id = 0;
  std::string region;
  Tier tier = Tier::kPrimary;
  std::string responder;  // handle
  // Weekly entry:
  std::optional<absl::Weekday> weekday;
  int start_minute = 0;
  int end_minute = 0;
  // Override:
  absl::Time starts_at;
  absl::Time ends_at;
  bool is_override() const { return !weekday.has_value(); }
};

// Names used in tables, JSON, import files and the database.
std::string_view RoleName(Role role);
std::string_view TierName(Tier tier);
std::string_view ContainmentName(Containment containment);
std::string_view WeekdayName(absl::Weekday day);  // "mon"
absl::StatusOr<Role> ParseRole(std::string_view text);
absl::StatusOr<Tier> ParseTier(std::string_view text);
absl::StatusOr<Containment> ParseContainment(std::string_view text);
absl::StatusOr<absl::Weekday> ParseWeekday(std::string_view text);
absl::StatusOr<v1::Severity> ParseSeverity(std::string_view text);  // "medium"
// "HH:MM" -> minutes of the day; "24:00" is accepted as an end.
absl::StatusOr<int> ParseClockMinutes(std::string_view text);
std::string FormatClockMinutes(int minutes);

// Field-level checks. Errors name the field ("owner.email: ...").
absl::Status ValidateTenant(const Tenant& tenant);
absl::Status ValidateResponder(const Responder& responder);
absl::Status ValidateRotaEntry(const RotaEntry& entry);

// Whether two entries of the same region and tier overlap in time (weekly with weekly on the
// same weekday; override with override).
bool Overlaps(const RotaEntry& a, const RotaEntry& b);

}  // namespace otasuke::collector::tenancy
