// JSON renderers: stable English keys, times in RFC 3339 UTC, durations in seconds.

#include <nlohmann/json.hpp>

#include "collector/report/report_fields.h"
#include "collector/report/report_render.h"

namespace otasuke::collector::report {
namespace {

using Json = nlohmann::ordered_json;

Json PeriodJson(const Period& period) {
  return Json{
      {"from", UtcText(period.from)}, {"to", UtcText(period.to)}, {"as_of", UtcText(period.as_of)}};
}

Json OptionalTimeJson(const std::optional<absl::Time>& time) {
  return time.has_value() ? Json(UtcText(*time)) : Json(nullptr);
}

Json FiguresJson(const Funnel& funnel, const ResponseTimes& response, const SlaFigures& sla) {
  Json out = Json::object();
  Json funnel_json = Json::object();
  for (const FunnelField& field : kFunnelFields) {
    funnel_json[std::string(field.key)] = funnel.*field.member;
  }
  out["funnel"] = std::move(funnel_json);
  Json response_json = Json::object();
  for (const ResponseField& field : kResponseFields) {
    const DurationStats& stats = response.*field.member;
    Json entry{{"count", stats.count}};
    entry["median_s"] = stats.count > 0 ? Json(absl::ToDoubleSeconds(stats.median)) : Json();
    entry["p90_s"] = stats.count > 0 ? Json(absl::ToDoubleSeconds(stats.p90)) : Json();
    response_json[std::string(field.key)] = std::move(entry);
  }
  out["response_times"] = std::move(response_json);
  Json sla_json = Json::object();
  for (const SlaField& field : kSlaFields) sla_json[std::string(field.key)] = sla.*field.member;
  out["sla"] = std::move(sla_json);
  return out;
}

Json SeverityJson(const SeverityCounts& counts) {
  Json out = Json::object();
  int64_t total = 0;
  for (v1::Severity severity : kReportSeverities) {
    out[std::string(SeverityKey(severity))] = counts[severity];
    total += counts[severity];
  }
  return Json{{"total", total}, {"by_severity", std::move(out)}};
}

Json VisitJson(const Visit& visit) {
  return Json{{"id", visit.id},
              {"incident_id", visit.incident_id},
              {"origin", visit.origin},
              {"state", visit.state},
              {"reason", visit.reason},
              {"opened", UtcText(visit.opened)},
              {"arrived", OptionalTimeJson(visit.arrived)},
              {"closed", OptionalTimeJson(visit.closed)},
              {"cost_yen", visit.cost_yen}};
}

Json KpiRowJson(const KpiRow& row) {
  Json out{{"scope", row.scope}, {"name", row.name}, {"region", row.region}};
  out.update(FiguresJson(row.funnel, row.response, row.sla));
  return out;
}

std::string Dump(const Json& json) {
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string RenderMonthlyJson(const MonthlyReport& report) {
  Json out{
      {"tenant",
       Json{{"id", report.tenant_id}, {"name", report.tenant_name}, {"region", report.region}}},
      {"month", report.month},
      {"time_zone", report.time_zone},
      {"period", PeriodJson(report.period)},
      {"alerts", SeverityJson(report.alerts_by_severity)},
      {"incidents", SeverityJson(report.incidents_by_severity)}};
  out.update(FiguresJson(report.funnel, report.response, report.sla));
  Json visits = Json::array();
  for (const Visit& visit : report.visits) visits.push_back(VisitJson(visit));
  out["visits"] = std::move(visits);
  out["visit_cost_yen"] = report.visit_cost_yen;
  Json by_origin = Json::object();
  for (std::string_view origin : kVisitOrigins) {
    by_origin[std::string(origin)] = CountVisits(report.visits, origin);
  }
  out["visits_by_origin"] = std::move(by_origin);
  Json open_incidents = Json::array();
  for (const IncidentFacts& incident : report.open_incidents) {
    open_incidents.push_back(Json{{"id", incident.id},
                                  {"hostname", incident.hostname},
                                  {"title", incident.title},
                                  {"severity", SeverityKey(incident.severity)},
                                  {"state", incident.state_at},
                                  {"created", UtcText(incident.created)}});
  }
  out["open_incidents"] = std::move(open_incidents);
  Json open_visits = Json::array();
  for (const Visit& visit : report.open_visits) open_visits.push_back(VisitJson(visit));
  out["open_visits"] = std::move(open_visits);
  return Dump(out);
}

std::string RenderKpiJson(const KpiReport& report) {
  Json out{{"period", PeriodJson(report.period)},
           {"filters", Json{{"region", report.region_filter}, {"tenant", report.tenant_filter}}},
           {"total", KpiRowJson(report.total)}};
  Json regions = Json::array();
  for (const KpiRow& row : report.regions) regions.push_back(KpiRowJson(row));
  out["regions"] = std::move(regions);
  Json tenants = Json::array();
  for (const KpiRow& row : report.tenants) tenants.push_back(KpiRowJson(row));
  out["tenants"] = std::move(tenants);
  return Dump(out);
}

}  // namespace otasuke::collector::report
