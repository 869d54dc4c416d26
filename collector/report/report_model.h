#pragma once
// The figures of the monthly tenant report and of the programme KPIs, as plain typed records
// computed from the collector database (report_builder.h) and rendered by html_report.h,
// csv_report.h and json_report.h. Every figure is defined in docs/REPORTS.md.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::collector::report {

// [from, to) and the instant the figures are taken at: min(to, now). A transition, attempt or
// visit step after `as_of` is not counted, so a past month's report is the same whenever it is
// made.
struct Period {
  absl::Time from;
  absl::Time to;
  absl::Time as_of;
};

// Count, median and 90th percentile of one response time over the incidents that have it.
// Exact: computed from every sample (report/percentiles.h), no histogram.
struct DurationStats {
  int64_t count = 0;
  absl::Duration median;
  absl::Duration p90;
};

struct ResponseTimes {
  DurationStats notify;   // first successful notification - incident creation
  DurationStats ack;      // first acknowledgement (or later state) - creation
  DurationStats contain;  // first contained or resolved - creation
  DurationStats resolve;  // first resolved or false_positive - creation
};

// Severities in report order, most severe first.
inline constexpr std::array<v1::Severity, 5> kReportSeverities = {
    v1::SEVERITY_CRITICAL, v1::SEVERITY_HIGH, v1::SEVERITY_MEDIUM, v1::SEVERITY_LOW,
    v1::SEVERITY_INFORMATIONAL};

// Counts per severity, indexed by v1::Severity (0 = unspecified).
using SeverityCounts = std::array<int64_t, 6>;

// alerts -> incidents -> handled remotely -> on site, plus where the other incidents are.
struct Funnel {
  int64_t alerts = 0;
  int64_t incidents = 0;
  int64_t handled_remotely = 0;  // contained or resolved by as_of, no visit
  int64_t on_site = 0;           // a work order opened for the incident by as_of
  int64_t false_positive = 0;    // closed as false_positive, no visit
  int64_t open = 0;              // none of the above at as_of
};

struct SlaFigures {
  int64_t eligible = 0;  // incidents with an acknowledge SLA (severity >= threshold, SLA > 0)
  int64_t breaches = 0;  // acknowledged later than the SLA, or not by as_of when it had passed
};

// One incident as the reports see it.
struct IncidentFacts {
  int64_t id = 0;
  std::string tenant_id;
  std::string region;
  std::string hostname;
  std::string title;
  v1::Severity severity = v1::SEVERITY_UNSPECIFIED;
  absl::Time created;
  std::string state_at;  // state name at as_of ("new", "resolved", ...)
  std::optional<absl::Time> notified;
  std::optional<absl::Time> acknowledged;
  std::optional<absl::Time> contained;
  std::optional<absl::Time> resolved;
  int64_t visits = 0;
  absl::Duration ack_sla;  // zero: no SLA for this severity
  bool sla_eligible = false;
  bool sla_breached = false;
};

// One on-site visit (work order) as of the report's as_of.
struct Visit {
  int64_t id = 0;
  int64_t incident_id = 0;  // 0: not tied to an incident
  std::string origin;       // responder, policy, sme_request
  std::string state;        // at as_of
  std::string reason;
  absl::Time opened;
  std::optional<absl::Time> arrived;
  std::optional<absl::Time> closed;
  int64_t cost_yen = 0;
};

// Why visits were opened, in the order reports list them (WorkOrderOriginName).
inline constexpr std::string_view kVisitOrigins[] = {"responder", "policy", "sme_request"};

// How many of `visits` were opened for `origin`.
inline int64_t CountVisits(const std::vector<Visit>& visits, std::string_view origin) {
  int64_t n = 0;
  for (const Visit& visit : visits) n += visit.origin == origin ? 1 : 0;
  return n;
}

struct MonthlyReport {
  std::string tenant_id;
  std::string tenant_name;
  std::string region;
  std::string time_zone;  // IANA name the month is taken in
  std::string month;      // "2026-10"
  Period period;
  SeverityCounts alerts_by_severity{};
  SeverityCounts incidents_by_severity{};
  Funnel funnel;
  ResponseTimes response;
  SlaFigures sla;
  std::vector<Visit> visits;  // opened in the month
  int64_t visit_cost_yen = 0;
  // Incidents at or above the tenant's dispatch threshold that are open at as_of, whenever they
  // were created; oldest first.
  std::vector<IncidentFacts> open_incidents;
  std::vector<Visit> open_visits;  // work orders not closed at as_of, whenever opened
};

struct KpiQuery {
  absl::Time from;
  absl::Time to;
  std::string region;     // empty: every region
  std::string tenant_id;  // empty: every tenant
};

// The KPIs of one scope: the whole selection, one region or one tenant.
struct KpiRow {
  std::string scope;  // "all", "region" or "tenant"
  std::string name;   // region name or tenant id; empty for "all"
  std::string region;
  Funnel funnel;
  ResponseTimes response;
  SlaFigures sla;
};

struct KpiReport {
  Period period;
  std::string region_filter;
  std::string tenant_filter;
  KpiRow total;
  std::vector<KpiRow> regions;  // by name
  std::vector<KpiRow> tenants;  // by id
};

}  // namespace otasuke::collector::report
