#include "collector/tenancy/sqlite_tenant_directory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "collector/store/audit_log.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector::tenancy {
namespace {

constexpr int kMaxImportErrors = 50;

#define TENANT_COLUMNS_SQL                                                                   \
  "id, name, region, owner_name, owner_phone, owner_email, owner_chat, secondary_name, "     \
  "secondary_phone, secondary_email, secondary_chat, address, access_notes, service_hours, " \
  "ack_sla_critical_s, ack_sla_high_s, ack_sla_medium_s, ack_sla_low_s, containment, "       \
  "dispatch_threshold"

// Every responder query: the row plus its regions and skills as sorted comma lists.
#define SELECT_RESPONDERS_SQL                                                                  \
  "SELECT r.id, COALESCE(r.handle, ''), r.name, r.role, r.email, r.phone, r.chat, r.webhook, " \
  "r.viewer_tenant_id, (SELECT group_concat(region, ',') FROM (SELECT region FROM "            \
  "responder_regions WHERE responder_id = r.id ORDER BY region)), (SELECT "                    \
  "group_concat(skill, ',') FROM (SELECT skill FROM responder_skills WHERE responder_id = "    \
  "r.id ORDER BY skill)) FROM responders r "

Tenant TenantFromRow(const Stmt& row) {
  Tenant t;
  t.id = row.Text(0);
  t.name = row.Text(1);
  t.region = row.Text(2);
  t.owner = {row.Text(3), row.Text(4), row.Text(5), row.Text(6)};
  t.secondary = {row.Text(7), row.Text(8), row.Text(9), row.Text(10)};
  t.address = row.Text(11);
  t.access_notes = row.Text(12);
  t.service_hours = row.Text(13);
  t.ack_sla.critical = absl::Seconds(row.Int(14));
  t.ack_sla.high = absl::Seconds(row.Int(15));
  t.ack_sla.medium = absl::Seconds(row.Int(16));
  t.ack_sla.low = absl::Seconds(row.Int(17));
  t.containment = ParseContainment(row.Text(18)).value_or(Containment::kApprovalRequired);
  t.dispatch_threshold = static_cast<v1::Severity>(row.Int(19));
  return t;
}

std::string DescribeEntry(const RotaEntry& e) {
  if (e.is_override()) {
    return absl::StrCat("#", e.id, " ", Sv(TierName(e.tier)), " override ",
                        absl::FormatTime("%Y-%m-%dT%H:%MZ", e.starts_at, absl::UTCTimeZone()), "..",
                        absl::FormatTime("%Y-%m-%dT%H:%MZ", e.ends_at, absl::UTCTimeZone()), " ",
                        e.responder);
  }
  return absl::StrCat("#", e.id, " ", Sv(TierName(e.tier)), " ", Sv(WeekdayName(*e.weekday)), " ",
                      FormatClockMinutes(e.start_minute), "-", FormatClockMinutes(e.end_minute),
                      " ", e.responder);
}

bool SameShift(const RotaEntry& a, const RotaEntry& b) {
  return a.responder == b.responder && a.region == b.region && a.tier == b.tier &&
         a.weekday == b.weekday &&
         (a.is_override() ? a.starts_at == b.starts_at && a.ends_at == b.ends_at
                          : a.start_minute == b.start_minute && a.end_minute == b.end_minute);
}

// Tags an error with the record's origin, keeping its code.
absl::Status At(std::string_view origin, const absl::Status& status) {
  if (status.ok() || origin.empty()) return status;
  return absl::Status(status.code(), absl::StrCat(Sv(origin), ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteTenantDirectory>> SqliteTenantDirectory::Open(
    const std::string& path, const Clock& clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, {}));
  return std::unique_ptr<SqliteTenantDirectory>(new SqliteTenantDirectory(std::move(db), clock));
}

absl::Status SqliteTenantDirectory::Audit(std::string_view actor, std::string_view action,
                                          std::string_view tenant_id, std::string_view target,
                                          std::string_view detail) {
  return AppendAudit(*db_, clock_.Now(),
                     {.actor = actor,
                      .action = action,
                      .tenant_id = tenant_id,
                      .target = target,
                      .detail = detail});
}

absl::Status SqliteTenantDirectory::PutRegion(const Region& region) {
  if (region.name.empty()) return absl::InvalidArgumentError("name: is required");
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(region.time_zone, &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat("time_zone: unknown time zone '", region.time_zone, "'"));
  }
  ASSIGN_OR_RETURN(Stmt stmt,
                   db_->Prepare("INSERT INTO regions (name, time_zone) VALUES (?, ?) ON "
                                "CONFLICT(name) DO UPDATE SET time_zone = excluded.time_zone"));
  return stmt.Bind(1, region.name).Bind(2, region.time_zone).Run();
}

absl::Status SqliteTenantDirectory::PutTenant(const Tenant& t) {
  RETURN_IF_ERROR(ValidateTenant(t));
  ASSIGN_OR_RETURN(Stmt region, db_->Prepare("INSERT OR IGNORE INTO regions (name) VALUES (?)"));
  RETURN_IF_ERROR(region.Bind(1, t.region).Run());
  ASSIGN_OR_RETURN(
      Stmt stmt,
      db_->Prepare("INSERT INTO tenants (id, name, region, owner_name, owner_phone, owner_email, "
                   "owner_chat, secondary_name, secondary_phone, secondary_email, secondary_chat, "
                   "address, access_notes, service_hours, ack_sla_critical_s, ack_sla_high_s, "
                   "ack_sla_medium_s, ack_sla_low_s, containment, dispatch_threshold, created_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                   "?17, ?18, ?19, ?20, ?21) ON CONFLICT(id) DO UPDATE SET name = ?2, region = ?3, "
                   "owner_name = ?4, owner_phone = ?5, owner_email = ?6, owner_chat = ?7, "
                   "secondary_name = ?8, secondary_phone = ?9, secondary_email = ?10, "
                   "secondary_chat = ?11, address = ?12, access_notes = ?13, service_hours = ?14, "
                   "ack_sla_critical_s = ?15, ack_sla_high_s = ?16, ack_sla_medium_s = ?17, "
                   "ack_sla_low_s = ?18, containment = ?19, dispatch_threshold = ?20"));
  return stmt.Bind(1, t.id)
      .Bind(2, t.name)
      .Bind(3, t.region)
      .Bind(4, t.owner.name)
      .Bind(5, t.owner.phone)
      .Bind(6, t.owner.email)
      .Bind(7, t.owner.chat)
      .Bind(8, t.secondary.name)
      .Bind(9, t.secondary.phone)
      .Bind(10, t.secondary.email)
      .Bind(11, t.secondary.chat)
      .Bind(12, t.address)
      .Bind(13, t.access_notes)
      .Bind(14, t.service_hours)
      .Bind(15, absl::ToInt64Seconds(t.ack_sla.critical))
      .Bind(16, absl::ToInt64Seconds(t.ack_sla.high))
      .Bind(17, absl::ToInt64Seconds(t.ack_sla.medium))
      .Bind(18, absl::ToInt64Seconds(t.ack_sla.low))
      .Bind(19, ContainmentName(t.containment))
      .Bind(20, static_cast<int64_t>(t.dispatch_threshold))
      .Bind(21, ToMicros(clock_.Now()))
      .Run();
}

absl::Status SqliteTenantDirectory::PutResponder(const Responder& r) {
  RETURN_IF_ERROR(ValidateResponder(r));
  if (r.role == Role::kViewer) {
    absl::StatusOr<Tenant> tenant = ReadTenant(r.viewer_tenant_id);
    if (!tenant.ok()) {
      return absl::Status(tenant.status().code(),
                          absl::StrCat("tenant: ", tenant.status().message()));
    }
  }
  ASSIGN_OR_RETURN(
      Stmt stmt,
      db_->Prepare("INSERT INTO responders (handle, name, role, email, phone, chat, webhook, "
                   "viewer_tenant_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON "
                   "CONFLICT(handle) DO UPDATE SET name = ?2, role = ?3, email = ?4, phone = ?5, "
                   "chat = ?6, webhook = ?7, viewer_tenant_id = ?8"));
  RETURN_IF_ERROR(stmt.Bind(1, r.handle)
                      .Bind(2, r.name)
                      .Bind(3, RoleName(r.role))
                      .Bind(4, r.email)
                      .Bind(5, r.phone)
                      .Bind(6, r.chat)
                      .Bind(7, r.webhook)
                      .Bind(8, r.viewer_tenant_id)
                      .Bind(9, ToMicros(clock_.Now()))
                      .Run());
  ASSIGN_OR_RETURN(Stmt id_stmt, db_->Prepare("SELECT id FROM responders WHERE handle = ?"));
  id_stmt.Bind(1, r.handle);
  ASSIGN_OR_RETURN(bool found, id_stmt.Step());
  if (!found) return absl::InternalError("responder vanished after upsert");
  const int64_t id = id_stmt.Int(0);
  ASSIGN_OR_RETURN(Stmt clear_regions,
                   db_->Prepare("DELETE FROM responder_regions WHERE responder_id = ?"));
  RETURN_IF_ERROR(clear_regions.Bind(1, id).Run());
  ASSIGN_OR_RETURN(Stmt clear_skills,
                   db_->Prepare("DELETE FROM responder_skills WHERE responder_id = ?"));
  RETURN_IF_ERROR(clear_skills.Bind(1, id).Run());
  for (const std::string& region : r.regions) {
    ASSIGN_OR_RETURN(Stmt known, db_->Prepare("INSERT OR IGNORE INTO regions (name) VALUES (?)"));
    RETURN_IF_ERROR(known.Bind(1, region).Run());
    ASSIGN_OR_RETURN(Stmt add, db_->Prepare("INSERT OR IGNORE INTO responder_regions "
                                            "(responder_id, region) VALUES (?, ?)"));
    RETURN_IF_ERROR(add.Bind(1, id).Bind(2, region).Run());
  }
  for (const std::string& skill : r.skills) {
    ASSIGN_OR_RETURN(Stmt add, db_->Prepare("INSERT OR IGNORE INTO responder_skills "
                                            "(responder_id, skill) VALUES (?, ?)"));
    RETURN_IF_ERROR(add.Bind(1, id).Bind(2, skill).Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteTenantDirectory::PutRotaEntry(const RotaEntry& entry) {
  RETURN_IF_ERROR(ValidateRotaEntry(entry));
  ASSIGN_OR_RETURN(std::vector<Responder> found,
                   ReadResponders(SELECT_RESPONDERS_SQL "WHERE r.handle = ?1", entry.responder));
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat("responder: unknown responder '", entry.responder, "'"));
  }
  if (found[0].role == Role::kViewer) {
    return absl::InvalidArgumentError(
        absl::StrCat("responder: '", entry.responder, "' is a viewer and cannot be on call"));
  }
  ASSIGN_OR_RETURN(std::vector<RotaEntry> existing, ReadRota(entry.region));
  for (const RotaEntry& other : existing) {
    if (SameShift(entry, other)) return other.id;  // re-importing a rota changes nothing
    if (Overlaps(entry, other)) {
      RotaEntry shown = entry;
      shown.id = 0;
      return absl::AlreadyExistsError(
          absl::StrCat("rota entry (", DescribeEntry(shown).substr(3), ") overlaps entry ",
                       DescribeEntry(other), " in region '", entry.region,
                       "': one responder per tier at a time (use an override to swap)"));
    }
  }
  ASSIGN_OR_RETURN(Stmt region, db_->Prepare("INSERT OR IGNORE INTO regions (name) VALUES (?)"));
  RETURN_IF_ERROR(region.Bind(1, entry.region).Run());
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("INSERT INTO rota_entries (region, tier, responder_id, "
                                           "weekday, start_minute, end_minute, starts_at, "
                                           "ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  stmt.Bind(1, entry.region).Bind(2, TierName(entry.tier)).Bind(3, found[0].id);
  if (entry.is_override()) {
    stmt.BindNull(4).BindNull(5).BindNull(6);
    stmt.Bind(7, ToMicros(entry.starts_at)).Bind(8, ToMicros(entry.ends_at));
  } else {
    stmt.Bind(4, static_cast<int64_t>(*entry.weekday))
        .Bind(5, entry.start_minute)
        .Bind(6, entry.end_minute);
    stmt.BindNull(7).BindNull(8);
  }
  RETURN_IF_ERROR(stmt.Run());
  return db_->LastInsertRowId();
}

absl::Status SqliteTenantDirectory::UpsertRegion(const Region& region, std::string_view actor) {
  absl::MutexLock lock(&mu_);
  return InImmediateTransaction(*db_, [&]() -> absl::Status {
    RETURN_IF_ERROR(PutRegion(region));
    return Audit(actor, "region.upsert", "", region.name);
  });
}

absl::Status SqliteTenantDirectory::UpsertTenant(const Tenant& tenant, std::string_view actor) {
  absl::MutexLock lock(&mu_);
  return InImmediateTransaction(*db_, [&]() -> absl::Status {
    RETURN_IF_ERROR(PutTenant(tenant));
    return Audit(actor, "tenant.upsert", tenant.id, tenant.id);
  });
}

absl::Status SqliteTenantDirectory::UpsertResponder(const Responder& responder,
                                                    std::string_view actor) {
  absl::MutexLock lock(&mu_);
  return InImmediateTransaction(*db_, [&]() -> absl::Status {
    RETURN_IF_ERROR(PutResponder(responder));
    return Audit(actor, "responder.upsert", responder.viewer_tenant_id, responder.handle);
  });
}

absl::StatusOr<int64_t> SqliteTenantDirectory::AddRotaEntry(const RotaEntry& entry,
                                                            std::string_view actor) {
  absl::MutexLock lock(&mu_);
  int64_t id = 0;
  RETURN_IF_ERROR(InImmediateTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(id, PutRotaEntry(entry));
    return Audit(actor, "rota.add", "", absl::StrCat(entry.region, "#", id));
  }));
  return id;
}

absl::Status SqliteTenantDirectory::RemoveRotaEntry(int64_t id, std::string_view actor) {
  absl::MutexLock lock(&mu_);
  return InImmediateTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("DELETE FROM rota_entries WHERE id = ?"));
    RETURN_IF_ERROR(stmt.Bind(1, id).Run());
    if (db_->Changes() == 0) {
      return absl::NotFoundError(absl::StrCat("unknown rota entry #", id));
    }
    return Audit(actor, "rota.remove", "", absl::StrCat("#", id));
  });
}

absl::StatusOr<ImportCounts> SqliteTenantDirectory::Import(const ImportBundle& bundle,
                                                           std::string_view actor) {
  absl::MutexLock lock(&mu_);
  ImportCounts counts;
  std::vector<std::string> errors;
  auto note = [&](std::string_view origin, const absl::Status& status) {
    if (!status.ok() && errors.size() < kMaxImportErrors) {
      errors.push_back(std::string(At(origin, status).message()));
    }
    return status.ok();
  };
  RETURN_IF_ERROR(InImmediateTransaction(*db_, [&]() -> absl::Status {
    // Order matters: regions, then tenants (viewers refer to them), responders, rota.
    for (const auto& [region, origin] : bundle.regions)
      counts.regions += note(origin, PutRegion(region));
    for (const auto& [tenant, origin] : bundle.tenants)
      counts.tenants += note(origin, PutTenant(tenant));
    for (const auto& [responder, origin] : bundle.responders) {
      counts.responders += note(origin, PutResponder(responder));
    }
    for (const auto& [entry, origin] : bundle.rota) {
      counts.rota_entries += note(origin, PutRotaEntry(entry).status());
    }
    if (!errors.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "import rejected, nothing was changed (", errors.size(),
          errors.size() >= kMaxImportErrors ? "+" : "", errors.size() == 1 ? " error" : " errors",
          "):\n", absl::StrJoin(errors, "\n")));
    }
    return Audit(
        actor, "import", "", "",
        absl::StrCat(counts.regions, " regions, ", counts.tenants, " tenants, ", counts.responders,
                     " responders, ", counts.rota_entries, " rota entries"));
  }));
  return counts;
}

absl::StatusOr<Tenant> SqliteTenantDirectory::ReadTenant(std::string_view id) {
  ASSIGN_OR_RETURN(Stmt stmt,
                   db_->Prepare("SELECT " TENANT_COLUMNS_SQL " FROM tenants WHERE id = ?"));
  stmt.Bind(1, id);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("unknown tenant '", Sv(id), "'"));
  return TenantFromRow(stmt);
}

absl::StatusOr<Tenant> SqliteTenantDirectory::GetTenant(std::string_view id) {
  absl::MutexLock lock(&mu_);
  return ReadTenant(id);
}

absl::StatusOr<std::vector<Tenant>> SqliteTenantDirectory::ListTenants() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Stmt stmt,
                   db_->Prepare("SELECT " TENANT_COLUMNS_SQL " FROM tenants ORDER BY id"));
  std::vector<Tenant> tenants;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    tenants.push_back(TenantFromRow(stmt));
  }
  return tenants;
}

// `sql` is SELECT_RESPONDERS_SQL plus a constant clause over responders r, ?1 bound to `key`.
absl::StatusOr<std::vector<Responder>> SqliteTenantDirectory::ReadResponders(const char* sql,
                                                                             std::string_view key) {
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(sql));
  if (std::string_view(sql).find("?1") != std::string_view::npos) stmt.Bind(1, key);
  std::vector<Responder> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    Responder r;
    r.id = stmt.Int(0);
    r.handle = stmt.Text(1);
    r.name = stmt.Text(2);
    r.role = ParseRole(stmt.Text(3)).value_or(Role::kResponder);
    r.email = stmt.Text(4);
    r.phone = stmt.Text(5);
    r.chat = stmt.Text(6);
    r.webhook = stmt.Text(7);
    r.viewer_tenant_id = stmt.Text(8);
    if (!stmt.IsNull(9)) r.regions = absl::StrSplit(stmt.Text(9), ',');
    if (!stmt.IsNull(10)) r.skills = absl::StrSplit(stmt.Text(10), ',');
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<Responder> SqliteTenantDirectory::GetResponder(std::string_view handle) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::vector<Responder> found,
                   ReadResponders(SELECT_RESPONDERS_SQL "WHERE r.handle = ?1", handle));
  if (found.empty())
    return absl::NotFoundError(absl::StrCat("unknown responder '", Sv(handle), "'"));
  return found[0];
}

absl::StatusOr<Responder> SqliteTenantDirectory::GetResponderById(int64_t id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(
      std::vector<Responder> found,
      ReadResponders(SELECT_RESPONDERS_SQL "WHERE r.id = CAST(?1 AS INTEGER)", absl::StrCat(id)));
  if (found.empty()) return absl::NotFoundError(absl::StrCat("unknown responder #", id));
  return found[0];
}

absl::StatusOr<std::vector<Responder>> SqliteTenantDirectory::ListResponders() {
  absl::MutexLock lock(&mu_);
  return ReadResponders(SELECT_RESPONDERS_SQL "ORDER BY r.handle", "");
}

absl::StatusOr<std::vector<RotaEntry>> SqliteTenantDirectory::ReadRota(std::string_view region) {
  ASSIGN_OR_RETURN(
      Stmt stmt,
      db_->Prepare("SELECT e.id, e.region, e.tier, r.handle, e.weekday, e.start_minute, "
                   "e.end_minute, e.starts_at, e.ends_at FROM rota_entries e JOIN responders r ON "
                   "r.id = e.responder_id WHERE ?1 = '' OR e.region = ?1 ORDER BY e.region, "
                   "e.tier, e.weekday IS NULL, e.weekday, e.start_minute, e.starts_at"));
  stmt.Bind(1, region);
  std::vector<RotaEntry> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    RotaEntry e;
    e.id = stmt.Int(0);
    e.region = stmt.Text(1);
    e.tier = ParseTier(stmt.Text(2)).value_or(Tier::kPrimary);
    e.responder = stmt.Text(3);
    if (!stmt.IsNull(4)) {
      e.weekday = static_cast<absl::Weekday>(stmt.Int(4));
      e.start_minute = static_cast<int>(stmt.Int(5));
      e.end_minute = static_cast<int>(stmt.Int(6));
    } else {
      e.starts_at = FromMicros(stmt.Int(7));
      e.ends_at = FromMicros(stmt.Int(8));
    }
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<Region>> SqliteTenantDirectory::ListRegions() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("SELECT name, time_zone FROM regions ORDER BY name"));
  std::vector<Region> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({.name = stmt.Text(0), .time_zone = stmt.Text(1)});
  }
  return out;
}

absl::StatusOr<std::vector<RotaEntry>> SqliteTenantDirectory::ListRota(std::string_view region) {
  absl::MutexLock lock(&mu_);
  return ReadRota(region);
}

absl::StatusOr<OnCall> SqliteTenantDirectory::OnCallFor(std::string_view tenant_id, absl::Time at) {
  absl::MutexLock lock(&mu_);
  OnCall on_call;
  ASSIGN_OR_RETURN(on_call.tenant, ReadTenant(tenant_id));
  const std::string& region = on_call.tenant.region;
  if (region.empty()) return on_call;  // registered by an agent only: no rota applies

  ASSIGN_OR_RETURN(Stmt zone_stmt, db_->Prepare("SELECT time_zone FROM regions WHERE name = ?"));
  zone_stmt.Bind(1, region);
  ASSIGN_OR_RETURN(bool has_zone, zone_stmt.Step());
  std::string zone_name = has_zone ? zone_stmt.Text(0) : "Asia/Tokyo";
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(zone_name, &zone)) {
    return absl::FailedPreconditionError(
        absl::StrCat("region '", region, "' has an unknown time zone '", zone_name, "'"));
  }
  const absl::CivilMinute local = absl::ToCivilMinute(at, zone);
  const absl::Weekday weekday = absl::GetWeekday(absl::CivilDay(local));
  const int minute = local.hour() * 60 + local.minute();

  ASSIGN_OR_RETURN(std::vector<RotaEntry> rota, ReadRota(region));
  for (Tier tier : {Tier::kPrimary, Tier::kSecondary}) {
    std::vector<std::string> overrides;
    std::vector<std::string> weekly;
    for (const RotaEntry& e : rota) {
      if (e.tier != tier) continue;
      if (e.is_override()) {
        if (e.starts_at <= at && at < e.ends_at) overrides.push_back(e.responder);
      } else if (*e.weekday == weekday && e.start_minute <= minute && minute < e.end_minute) {
        weekly.push_back(e.responder);
      }
    }
    std::vector<Responder>& out = tier == Tier::kPrimary ? on_call.primary : on_call.secondary;
    for (const std::string& handle : overrides.empty() ? weekly : overrides) {
      ASSIGN_OR_RETURN(std::vector<Responder> r,
                       ReadResponders(SELECT_RESPONDERS_SQL "WHERE r.handle = ?1", handle));
      if (!r.empty()) out.push_back(std::move(r[0]));
    }
  }
  ASSIGN_OR_RETURN(on_call.leads,
                   ReadResponders(SELECT_RESPONDERS_SQL
                                  "WHERE r.role = 'lead' AND r.id IN (SELECT "
                                  "responder_id FROM responder_regions WHERE region = ?1) ORDER "
                                  "BY r.handle",
                                  region));
  return on_call;
}

}  // namespace otasuke::collector::tenancy
