#include "collector/report/report_builder.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "collector/report/percentiles.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector::report {
namespace {

constexpr char kDefaultTimeZone[] = "Asia/Tokyo";

// One row per incident not merged into another, created in [?1, ?2), with what happened to it
// before the cutoff ?3. ?4 tenant and ?5 region filter ('' = any); ?6 = 1 keeps only incidents
// still open at the cutoff.
constexpr const char* kIncidentFacts = R"sql(
SELECT i.id, i.tenant_id, t.region, i.hostname, i.title, i.severity, i.first_seen,
  COALESCE((SELECT x.to_state FROM incident_transitions x WHERE x.incident_id = i.id
            AND x.at < ?3 ORDER BY x.at DESC, x.id DESC LIMIT 1), 'new'),
  (SELECT MIN(a.finished_at) FROM notifications n
     JOIN notification_attempts a ON a.notification_id = n.id
   WHERE n.incident_id = i.id AND a.ok = 1 AND a.finished_at < ?3),
  (SELECT MIN(x.at) FROM incident_transitions x WHERE x.incident_id = i.id AND x.at < ?3
   AND x.from_state <> x.to_state
   AND x.to_state IN ('acknowledged', 'investigating', 'contained', 'resolved', 'false_positive')),
  (SELECT MIN(x.at) FROM incident_transitions x WHERE x.incident_id = i.id AND x.at < ?3
   AND x.from_state <> x.to_state AND x.to_state IN ('contained', 'resolved')),
  (SELECT MIN(x.at) FROM incident_transitions x WHERE x.incident_id = i.id AND x.at < ?3
   AND x.from_state <> x.to_state AND x.to_state IN ('resolved', 'false_positive')),
  (SELECT COUNT(*) FROM work_orders w WHERE w.incident_id = i.id AND w.opened_at < ?3),
  h.dispatch_threshold, h.ack_critical_s, h.ack_high_s, h.ack_medium_s, h.ack_low_s
FROM incidents i JOIN tenants t ON t.id = i.tenant_id
  LEFT JOIN incident_terms h ON h.incident_id = i.id
WHERE i.merged_into IS NULL AND i.first_seen >= ?1 AND i.first_seen < ?2
  AND (?4 = '' OR i.tenant_id = ?4) AND (?5 = '' OR t.region = ?5)
  AND (?6 = 0 OR NOT EXISTS (SELECT 1 FROM incident_transitions x WHERE x.incident_id = i.id
       AND x.at < ?3 AND x.to_state IN ('resolved', 'false_positive')))
ORDER BY i.first_seen, i.id
)sql";

// Alerts received in [?1, ?2) before the cutoff ?3, per tenant and severity.
constexpr const char* kAlertCounts = R"sql(
SELECT a.tenant_id, t.region, a.severity, COUNT(*)
FROM alerts a JOIN tenants t ON t.id = a.tenant_id
WHERE a.received_at >= ?1 AND a.received_at < ?2 AND a.received_at < ?3
  AND (?4 = '' OR a.tenant_id = ?4) AND (?5 = '' OR t.region = ?5)
GROUP BY a.tenant_id, t.region, a.severity
)sql";

// Work orders of tenant ?4 opened in [?1, ?2) before the cutoff ?3, as they stood at the cutoff;
// ?5 = 1 keeps only those not closed by then.
constexpr const char* kVisits = R"sql(
SELECT w.id, COALESCE(w.incident_id, 0), w.origin, w.reason, w.opened_at,
  COALESCE((SELECT e.to_state FROM work_order_events e WHERE e.work_order_id = w.id
            AND e.at < ?3 ORDER BY e.at DESC, e.id DESC LIMIT 1), 'requested'),
  (SELECT MIN(e.at) FROM work_order_events e WHERE e.work_order_id = w.id AND e.at < ?3
   AND e.from_state <> e.to_state AND e.to_state = 'arrived'),
  (SELECT MIN(e.at) FROM work_order_events e WHERE e.work_order_id = w.id AND e.at < ?3
   AND e.from_state <> e.to_state AND e.to_state = 'closed'),
  COALESCE((SELECT SUM(e.cost_yen) FROM work_order_events e WHERE e.work_order_id = w.id
            AND e.at < ?3), 0)
FROM work_orders w
WHERE w.tenant_id = ?4 AND w.opened_at >= ?1 AND w.opened_at < ?2 AND w.opened_at < ?3
  AND (?5 = 0 OR NOT EXISTS (SELECT 1 FROM work_order_events e WHERE e.work_order_id = w.id
       AND e.at < ?3 AND e.to_state = 'closed'))
ORDER BY w.opened_at, w.id
)sql";

constexpr const char* kRegionTimeZone = "SELECT time_zone FROM regions WHERE name = ?";
constexpr const char* kRegionKnown =
    "SELECT 1 FROM regions WHERE name = ?1 UNION SELECT 1 FROM tenants WHERE region = ?1";

// Everything stamped before this instant counts: up to `to` (exclusive) for a finished period,
// up to and including now for the running one.
int64_t CutoffMicros(const Period& period) {
  return period.as_of < period.to ? ToMicros(period.as_of) + 1 : ToMicros(period.to);
}

std::optional<absl::Time> OptionalTime(const Stmt& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return FromMicros(row.Int(column));
}

absl::Status InReadTransaction(SqliteDb& db, const std::function<absl::Status()>& body) {
  RETURN_IF_ERROR(db.Exec("BEGIN"));
  absl::Status status = body();
  absl::Status end = db.Exec(status.ok() ? "COMMIT" : "ROLLBACK");
  return status.ok() ? end : status;
}

struct FactsQuery {
  int64_t from_us = 0;
  int64_t to_us = 0;
  std::string tenant_id;
  std::string region;
  bool open_only = false;
};

// Reads the incidents and judges their SLA with each tenant's contract.
absl::StatusOr<std::vector<IncidentFacts>> ReadFacts(
    SqliteDb& db, const Period& period, const FactsQuery& query,
    const std::map<std::string, tenancy::Tenant, std::less<>>& tenants) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(kIncidentFacts));
  stmt.Bind(1, query.from_us)
      .Bind(2, query.to_us)
      .Bind(3, CutoffMicros(period))
      .Bind(4, query.tenant_id)
      .Bind(5, query.region)
      .Bind(6, int64_t{query.open_only ? 1 : 0});
  std::vector<IncidentFacts> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    IncidentFacts facts{.id = stmt.Int(0),
                        .tenant_id = stmt.Text(1),
                        .region = stmt.Text(2),
                        .hostname = stmt.Text(3),
                        .title = stmt.Text(4),
                        .severity = static_cast<v1::Severity>(stmt.Int(5)),
                        .created = FromMicros(stmt.Int(6)),
                        .state_at = stmt.Text(7),
                        .notified = OptionalTime(stmt, 8),
                        .acknowledged = OptionalTime(stmt, 9),
                        .contained = OptionalTime(stmt, 10),
                        .resolved = OptionalTime(stmt, 11),
                        .visits = stmt.Int(12)};
    // Judged by the terms the incident was dispatched under (incident_terms); an incident
    // dispatch never saw (opened before schema 9) by the tenant's current contract.
    if (!stmt.IsNull(13)) {
      const tenancy::AckSla held{.critical = absl::Seconds(stmt.Int(14)),
                                 .high = absl::Seconds(stmt.Int(15)),
                                 .medium = absl::Seconds(stmt.Int(16)),
                                 .low = absl::Seconds(stmt.Int(17))};
      facts.ack_sla = held.For(facts.severity);
      facts.sla_eligible = facts.severity >= static_cast<v1::Severity>(stmt.Int(13)) &&
                           facts.ack_sla > absl::ZeroDuration();
    } else if (auto tenant = tenants.find(facts.tenant_id); tenant != tenants.end()) {
      facts.ack_sla = tenant->second.ack_sla.For(facts.severity);
      facts.sla_eligible = facts.severity >= tenant->second.dispatch_threshold &&
                           facts.ack_sla > absl::ZeroDuration();
    }
    if (facts.sla_eligible) {
      absl::Time answered = facts.acknowledged.value_or(period.as_of);
      facts.sla_breached = answered - facts.created > facts.ack_sla;
    }
    out.push_back(std::move(facts));
  }
  return out;
}

absl::StatusOr<std::vector<Visit>> ReadVisits(SqliteDb& db, const Period& period, int64_t from_us,
                                              int64_t to_us, std::string_view tenant_id,
                                              bool open_only) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(kVisits));
  stmt.Bind(1, from_us)
      .Bind(2, to_us)
      .Bind(3, CutoffMicros(period))
      .Bind(4, tenant_id)
      .Bind(5, int64_t{open_only ? 1 : 0});
  std::vector<Visit> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(Visit{.id = stmt.Int(0),
                        .incident_id = stmt.Int(1),
                        .origin = stmt.Text(2),
                        .state = stmt.Text(5),
                        .reason = stmt.Text(3),
                        .opened = FromMicros(stmt.Int(4)),
                        .arrived = OptionalTime(stmt, 6),
                        .closed = OptionalTime(stmt, 7),
                        .cost_yen = stmt.Int(8)});
  }
  return out;
}

// Adds up incidents and alerts into one KPI row.
class Accumulator {
 public:
  void Add(const IncidentFacts& facts) {
    Funnel& f = row_.funnel;
    ++f.incidents;
    if (facts.visits > 0) {
      ++f.on_site;
    } else if (facts.state_at == "false_positive") {
      ++f.false_positive;
    } else if (facts.contained.has_value()) {
      ++f.handled_remotely;
    } else {
      ++f.open;
    }
    Sample(facts.created, facts.notified, notify_);
    Sample(facts.created, facts.acknowledged, ack_);
    Sample(facts.created, facts.contained, contain_);
    Sample(facts.created, facts.resolved, resolve_);
    if (facts.sla_eligible) ++row_.sla.eligible;
    if (facts.sla_breached) ++row_.sla.breaches;
  }
  void AddAlerts(int64_t count) { row_.funnel.alerts += count; }

  KpiRow Finish(std::string scope, std::string name, std::string region) {
    row_.scope = std::move(scope);
    row_.name = std::move(name);
    row_.region = std::move(region);
    row_.response = ResponseTimes{.notify = Summarize(notify_),
                                  .ack = Summarize(ack_),
                                  .contain = Summarize(contain_),
                                  .resolve = Summarize(resolve_)};
    return row_;
  }

 private:
  static void Sample(absl::Time created, const std::optional<absl::Time>& at,
                     std::vector<absl::Duration>& samples) {
    if (at.has_value()) samples.push_back(*at - created);
  }

  KpiRow row_;
  std::vector<absl::Duration> notify_, ack_, contain_, resolve_;
};

}  // namespace

absl::StatusOr<absl::CivilMonth> ParseMonth(std::string_view text) {
  int year = 0;
  int month = 0;
  if (text.size() != 7 || text[4] != '-' || !absl::SimpleAtoi(Sv(text.substr(0, 4)), &year) ||
      !absl::SimpleAtoi(Sv(text.substr(5, 2)), &month) || year < 2000 || month < 1 || month > 12) {
    return absl::InvalidArgumentError(
        absl::StrCat("month: '", Sv(text), "' is not a month as YYYY-MM (e.g. 2026-10)"));
  }
  return absl::CivilMonth(year, month);
}

absl::StatusOr<std::unique_ptr<ReportBuilder>> ReportBuilder::Open(
    const std::string& path, tenancy::TenantDirectory& directory, const Clock& clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, {}));
  return std::unique_ptr<ReportBuilder>(new ReportBuilder(std::move(db), directory, clock));
}

absl::StatusOr<MonthlyReport> ReportBuilder::Monthly(std::string_view tenant_id,
                                                     std::string_view month) {
  ASSIGN_OR_RETURN(tenancy::Tenant tenant, directory_.GetTenant(tenant_id));
  absl::MutexLock lock(&mu_);
  MonthlyReport report;
  RETURN_IF_ERROR(InReadTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(report, MonthlyLocked(tenant, month));
    return absl::OkStatus();
  }));
  return report;
}

absl::StatusOr<MonthlyReport> ReportBuilder::MonthlyLocked(const tenancy::Tenant& tenant,
                                                           std::string_view month_text) {
  ASSIGN_OR_RETURN(absl::CivilMonth month, ParseMonth(month_text));
  MonthlyReport report{.tenant_id = tenant.id,
                       .tenant_name = tenant.name,
                       .region = tenant.region,
                       .time_zone = kDefaultTimeZone};
  ASSIGN_OR_RETURN(Stmt zone_row, db_->Prepare(kRegionTimeZone));
  zone_row.Bind(1, tenant.region);
  ASSIGN_OR_RETURN(bool has_zone, zone_row.Step());
  if (has_zone) report.time_zone = zone_row.Text(0);
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(report.time_zone, &zone)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "region '", tenant.region, "' has an unknown time zone '", report.time_zone, "'"));
  }
  report.month = absl::FormatCivilTime(month);
  const absl::Time now = clock_.Now();
  report.period =
      Period{.from = absl::FromCivil(month, zone), .to = absl::FromCivil(month + 1, zone)};
  if (report.period.from > now) {
    return absl::InvalidArgumentError(
        absl::StrCat("month ", report.month, " has not begun in ", report.time_zone));
  }
  report.period.as_of = std::min(report.period.to, now);
  const Period& period = report.period;
  const int64_t from_us = ToMicros(period.from);
  const int64_t to_us = ToMicros(period.to);
  const int64_t cutoff_us = CutoffMicros(period);
  const std::map<std::string, tenancy::Tenant, std::less<>> tenants = {{tenant.id, tenant}};

  ASSIGN_OR_RETURN(Stmt alerts, db_->Prepare(kAlertCounts));
  alerts.Bind(1, from_us).Bind(2, to_us).Bind(3, cutoff_us).Bind(4, tenant.id).Bind(5, "");
  Accumulator totals;
  while (true) {
    ASSIGN_OR_RETURN(bool row, alerts.Step());
    if (!row) break;
    const int64_t severity = alerts.Int(2);
    if (severity >= 0 && severity < static_cast<int64_t>(report.alerts_by_severity.size())) {
      report.alerts_by_severity[severity] += alerts.Int(3);
    }
    totals.AddAlerts(alerts.Int(3));
  }
  ASSIGN_OR_RETURN(
      std::vector<IncidentFacts> incidents,
      ReadFacts(*db_, period, {.from_us = from_us, .to_us = to_us, .tenant_id = tenant.id},
                tenants));
  for (const IncidentFacts& facts : incidents) {
    totals.Add(facts);
    ++report.incidents_by_severity[facts.severity];
  }
  KpiRow row = totals.Finish("tenant", tenant.id, tenant.region);
  report.funnel = row.funnel;
  report.response = row.response;
  report.sla = row.sla;

  ASSIGN_OR_RETURN(report.visits, ReadVisits(*db_, period, from_us, to_us, tenant.id, false));
  for (const Visit& visit : report.visits) report.visit_cost_yen += visit.cost_yen;
  ASSIGN_OR_RETURN(report.open_visits, ReadVisits(*db_, period, 0, cutoff_us, tenant.id, true));
  ASSIGN_OR_RETURN(
      std::vector<IncidentFacts> open,
      ReadFacts(*db_, period,
                {.from_us = 0, .to_us = cutoff_us, .tenant_id = tenant.id, .open_only = true},
                tenants));
  for (IncidentFacts& facts : open) {
    if (facts.severity >= tenant.dispatch_threshold) {
      report.open_incidents.push_back(std::move(facts));
    }
  }
  return report;
}

absl::StatusOr<KpiReport> ReportBuilder::Kpis(const KpiQuery& query) {
  if (query.from >= query.to) {
    return absl::InvalidArgumentError(absl::StrCat("period: from (", absl::FormatTime(query.from),
                                                   ") must be before to (",
                                                   absl::FormatTime(query.to), ")"));
  }
  if (!query.tenant_id.empty()) {
    RETURN_IF_ERROR(directory_.GetTenant(query.tenant_id).status());
  }
  absl::MutexLock lock(&mu_);
  KpiReport report;
  RETURN_IF_ERROR(InReadTransaction(*db_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(report, KpisLocked(query));
    return absl::OkStatus();
  }));
  return report;
}

absl::StatusOr<KpiReport> ReportBuilder::KpisLocked(const KpiQuery& query) {
  if (!query.region.empty()) {
    ASSIGN_OR_RETURN(Stmt known, db_->Prepare(kRegionKnown));
    known.Bind(1, query.region);
    ASSIGN_OR_RETURN(bool found, known.Step());
    if (!found) return absl::NotFoundError(absl::StrCat("unknown region '", query.region, "'"));
  }
  KpiReport report{
      .period = {.from = query.from, .to = query.to, .as_of = std::min(query.to, clock_.Now())},
      .region_filter = query.region,
      .tenant_filter = query.tenant_id};
  ASSIGN_OR_RETURN(std::vector<tenancy::Tenant> tenant_list, directory_.ListTenants());
  std::map<std::string, tenancy::Tenant, std::less<>> tenants;
  for (tenancy::Tenant& tenant : tenant_list) tenants.emplace(tenant.id, std::move(tenant));

  const int64_t from_us = ToMicros(query.from);
  const int64_t to_us = ToMicros(query.to);
  Accumulator total;
  std::map<std::string, Accumulator> by_region;
  std::map<std::string, std::pair<std::string, Accumulator>> by_tenant;  // id -> (region, acc)
  ASSIGN_OR_RETURN(Stmt alerts, db_->Prepare(kAlertCounts));
  alerts.Bind(1, from_us)
      .Bind(2, to_us)
      .Bind(3, CutoffMicros(report.period))
      .Bind(4, query.tenant_id)
      .Bind(5, query.region);
  while (true) {
    ASSIGN_OR_RETURN(bool row, alerts.Step());
    if (!row) break;
    const int64_t count = alerts.Int(3);
    total.AddAlerts(count);
    by_region[alerts.Text(1)].AddAlerts(count);
    auto& tenant = by_tenant[alerts.Text(0)];
    tenant.first = alerts.Text(1);
    tenant.second.AddAlerts(count);
  }
  ASSIGN_OR_RETURN(std::vector<IncidentFacts> incidents, ReadFacts(*db_, report.period,
                                                                   {.from_us = from_us,
                                                                    .to_us = to_us,
                                                                    .tenant_id = query.tenant_id,
                                                                    .region = query.region},
                                                                   tenants));
  for (const IncidentFacts& facts : incidents) {
    total.Add(facts);
    by_region[facts.region].Add(facts);
    auto& tenant = by_tenant[facts.tenant_id];
    tenant.first = facts.region;
    tenant.second.Add(facts);
  }
  report.total = total.Finish("all", "", query.region);
  for (auto& [region, acc] : by_region) {
    report.regions.push_back(acc.Finish("region", region, region));
  }
  for (auto& [id, entry] : by_tenant) {
    report.tenants.push_back(entry.second.Finish("tenant", id, entry.first));
  }
  return report;
}

}  // namespace otasuke::collector::report
