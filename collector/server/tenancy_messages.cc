#include "collector/server/tenancy_messages.h"

#include "absl/strings/str_cat.h"
#include "collector/notify/payload.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "google/protobuf/util/time_util.h"

namespace otasuke::collector {
namespace {

using google::protobuf::util::TimeUtil;

v1::Contact ContactMessage(const tenancy::Contact& c) {
  v1::Contact m;
  m.set_name(c.name);
  m.set_phone(c.phone);
  m.set_email(c.email);
  m.set_chat(c.chat);
  return m;
}

tenancy::Contact ContactFromMessage(const v1::Contact& m) {
  return {.name = m.name(), .phone = m.phone(), .email = m.email(), .chat = m.chat()};
}

// Prefixes a parse error with the field it came from, keeping its code.
template <typename T>
absl::StatusOr<T> Field(std::string_view field, absl::StatusOr<T> value) {
  if (value.ok()) return value;
  return absl::Status(value.status().code(),
                      absl::StrCat(Sv(field), ": ", value.status().message()));
}

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Time TimeOf(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(ts));
}

}  // namespace

v1::Tenant TenantMessage(const tenancy::Tenant& t) {
  v1::Tenant m;
  m.set_id(t.id);
  m.set_name(t.name);
  m.set_region(t.region);
  *m.mutable_owner() = ContactMessage(t.owner);
  *m.mutable_secondary() = ContactMessage(t.secondary);
  m.set_address(t.address);
  m.set_access_notes(t.access_notes);
  m.set_service_hours(t.service_hours);
  v1::AckSla* sla = m.mutable_ack_sla();
  sla->set_critical_seconds(absl::ToInt64Seconds(t.ack_sla.critical));
  sla->set_high_seconds(absl::ToInt64Seconds(t.ack_sla.high));
  sla->set_medium_seconds(absl::ToInt64Seconds(t.ack_sla.medium));
  sla->set_low_seconds(absl::ToInt64Seconds(t.ack_sla.low));
  m.set_containment(std::string(tenancy::ContainmentName(t.containment)));
  m.set_dispatch_threshold(SeverityName(t.dispatch_threshold));
  return m;
}

absl::StatusOr<tenancy::Tenant> TenantFromMessage(const v1::Tenant& m) {
  tenancy::Tenant t;
  t.id = m.id();
  t.name = m.name();
  t.region = m.region();
  t.owner = ContactFromMessage(m.owner());
  t.secondary = ContactFromMessage(m.secondary());
  t.address = m.address();
  t.access_notes = m.access_notes();
  t.service_hours = m.service_hours();
  const v1::AckSla& sla = m.ack_sla();
  for (int64_t seconds :
       {sla.critical_seconds(), sla.high_seconds(), sla.medium_seconds(), sla.low_seconds()}) {
    if (seconds < 0) return absl::InvalidArgumentError("ack_sla: a negative duration");
  }
  t.ack_sla = {.critical = absl::Seconds(sla.critical_seconds()),
               .high = absl::Seconds(sla.high_seconds()),
               .medium = absl::Seconds(sla.medium_seconds()),
               .low = absl::Seconds(sla.low_seconds())};
  ASSIGN_OR_RETURN(t.containment, Field("containment", tenancy::ParseContainment(m.containment())));
  ASSIGN_OR_RETURN(t.dispatch_threshold,
                   Field("dispatch_threshold", tenancy::ParseSeverity(m.dispatch_threshold())));
  RETURN_IF_ERROR(tenancy::ValidateTenant(t));
  return t;
}

v1::Responder ResponderMessage(const tenancy::Responder& r) {
  v1::Responder m;
  m.set_handle(r.handle);
  m.set_name(r.name);
  m.set_role(std::string(tenancy::RoleName(r.role)));
  for (const std::string& region : r.regions) m.add_regions(region);
  for (const std::string& skill : r.skills) m.add_skills(skill);
  m.set_email(r.email);
  m.set_phone(r.phone);
  m.set_chat(r.chat);
  m.set_webhook(r.webhook);
  m.set_viewer_tenant_id(r.viewer_tenant_id);
  return m;
}

absl::StatusOr<tenancy::Responder> ResponderFromMessage(const v1::Responder& m) {
  tenancy::Responder r;
  r.handle = m.handle();
  r.name = m.name();
  ASSIGN_OR_RETURN(r.role, Field("role", tenancy::ParseRole(m.role())));
  r.regions.assign(m.regions().begin(), m.regions().end());
  r.skills.assign(m.skills().begin(), m.skills().end());
  r.email = m.email();
  r.phone = m.phone();
  r.chat = m.chat();
  r.webhook = m.webhook();
  r.viewer_tenant_id = m.viewer_tenant_id();
  RETURN_IF_ERROR(tenancy::ValidateResponder(r));
  return r;
}

v1::RotaEntry RotaEntryMessage(const tenancy::RotaEntry& e) {
  v1::RotaEntry m;
  m.set_id(e.id);
  m.set_region(e.region);
  m.set_tier(std::string(tenancy::TierName(e.tier)));
  m.set_responder(e.responder);
  if (e.is_override()) {
    *m.mutable_starts_at() = TimestampOf(e.starts_at);
    *m.mutable_ends_at() = TimestampOf(e.ends_at);
  } else {
    m.set_weekday(std::string(tenancy::WeekdayName(*e.weekday)));
    m.set_start(tenancy::FormatClockMinutes(e.start_minute));
    m.set_end(tenancy::FormatClockMinutes(e.end_minute));
  }
  return m;
}

absl::StatusOr<tenancy::RotaEntry> RotaEntryFromMessage(const v1::RotaEntry& m) {
  tenancy::RotaEntry e;
  e.region = m.region();
  e.responder = m.responder();
  ASSIGN_OR_RETURN(e.tier,
                   Field("tier", tenancy::ParseTier(m.tier().empty() ? "primary" : m.tier())));
  const bool weekly = !m.weekday().empty() || !m.start().empty() || !m.end().empty();
  const bool override = m.has_starts_at() || m.has_ends_at();
  if (weekly == override) {
    return absl::InvalidArgumentError(
        "a rota entry is either weekly (weekday, start, end) or an override (from, until)");
  }
  if (weekly) {
    ASSIGN_OR_RETURN(e.weekday, Field("weekday", tenancy::ParseWeekday(m.weekday())));
    ASSIGN_OR_RETURN(e.start_minute, Field("start", tenancy::ParseClockMinutes(m.start())));
    ASSIGN_OR_RETURN(e.end_minute, Field("end", tenancy::ParseClockMinutes(m.end())));
  } else {
    if (!m.has_starts_at() || !m.has_ends_at()) {
      return absl::InvalidArgumentError("an override needs both from and until");
    }
    e.starts_at = TimeOf(m.starts_at());
    e.ends_at = TimeOf(m.ends_at());
  }
  RETURN_IF_ERROR(tenancy::ValidateRotaEntry(e));
  return e;
}

v1::Region RegionMessage(const tenancy::Region& region) {
  v1::Region m;
  m.set_name(region.name);
  m.set_time_zone(region.time_zone);
  return m;
}

tenancy::Region RegionFromMessage(const v1::Region& m) {
  tenancy::Region region;
  region.name = m.name();
  if (!m.time_zone().empty()) region.time_zone = m.time_zone();
  return region;
}

}  // namespace otasuke::collector
