// CSV renderers (RFC 4180): monthly report as section/item/value/detail rows with the labels of
// the report's language; KPIs as one row per scope with stable English column names.

#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "collector/report/report_fields.h"
#include "collector/report/report_render.h"
#include "common/strings.h"

namespace otasuke::collector::report {
namespace {

class CsvWriter {
 public:
  void Row(std::initializer_list<std::string_view> fields) {
    bool first = true;
    for (std::string_view field : fields) {
      if (!first) out_.push_back(',');
      first = false;
      out_ += CsvField(field);
    }
    out_ += "\r\n";
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

std::string VisitDetail(const Visit& visit, absl::TimeZone zone, Lang lang) {
  std::string detail =
      absl::StrCat(Sv(Text(lang, Msg::kOpened)), " ", FormatLocal(visit.opened, zone));
  if (visit.incident_id != 0) {
    absl::StrAppend(&detail, "; ", Sv(Text(lang, Msg::kIncident)), " #", visit.incident_id);
  }
  absl::StrAppend(&detail, "; ", Sv(Text(lang, Msg::kOrigin)), " ", Sv(Word(lang, visit.origin)));
  if (visit.arrived) {
    absl::StrAppend(&detail, "; ", Sv(Text(lang, Msg::kArrived)), " ",
                    FormatLocal(*visit.arrived, zone));
  }
  if (visit.closed) {
    absl::StrAppend(&detail, "; ", Sv(Text(lang, Msg::kClosed)), " ",
                    FormatLocal(*visit.closed, zone));
  }
  absl::StrAppend(&detail, "; ", Sv(Text(lang, Msg::kCost)), " ", FormatYen(visit.cost_yen));
  if (!visit.reason.empty()) {
    absl::StrAppend(&detail, "; ", Sv(Text(lang, Msg::kReason)), " ", visit.reason);
  }
  return detail;
}

}  // namespace

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string SecondsText(absl::Duration duration) {
  std::string text = absl::StrFormat("%.6f", absl::ToDoubleSeconds(duration));
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

std::string UtcText(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

std::string RenderMonthlyCsv(const MonthlyReport& report, Lang lang) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(report.time_zone, &zone)) zone = absl::UTCTimeZone();
  CsvWriter csv;
  // Excel opens a UTF-8 CSV as Shift_JIS unless it starts with a byte-order mark.
  if (lang == Lang::kJa) csv.out() = "\xEF\xBB\xBF";
  csv.Row({Text(lang, Msg::kCsvSection), Text(lang, Msg::kCsvItem), Text(lang, Msg::kCsvValue),
           Text(lang, Msg::kCsvDetail)});
  const std::string_view section_report = Text(lang, Msg::kCsvReport);
  csv.Row({section_report, Text(lang, Msg::kTenant), report.tenant_id, report.tenant_name});
  csv.Row({section_report, Text(lang, Msg::kRegion), report.region, ""});
  csv.Row({section_report, Text(lang, Msg::kPeriod), report.month,
           absl::StrCat(FormatLocal(report.period.from, zone), " - ",
                        FormatLocal(report.period.to, zone))});
  csv.Row({section_report, Text(lang, Msg::kTimeZone), report.time_zone, ""});
  csv.Row({section_report, Text(lang, Msg::kAsOf), UtcText(report.period.as_of),
           FormatLocal(report.period.as_of, zone)});

  const std::string_view summary = Text(lang, Msg::kCsvSummary);
  for (const FunnelField& field : kFunnelFields) {
    csv.Row({summary, Text(lang, field.label), absl::StrCat(report.funnel.*field.member), ""});
  }
  for (const SlaField& field : kSlaFields) {
    csv.Row({summary, Text(lang, field.label), absl::StrCat(report.sla.*field.member), ""});
  }
  csv.Row({summary, Text(lang, Msg::kVisitCost), absl::StrCat(report.visit_cost_yen),
           FormatYen(report.visit_cost_yen)});
  for (std::string_view origin : kVisitOrigins) {
    csv.Row({summary,
             absl::StrCat(Sv(Text(lang, Msg::kVisitsByOrigin)), " (", Sv(Word(lang, origin)), ")"),
             absl::StrCat(CountVisits(report.visits, origin)), ""});
  }

  for (v1::Severity severity : kReportSeverities) {
    csv.Row({Text(lang, Msg::kSectionAlerts), Word(lang, SeverityKey(severity)),
             absl::StrCat(report.alerts_by_severity[severity]), ""});
  }
  for (v1::Severity severity : kReportSeverities) {
    csv.Row({Text(lang, Msg::kSectionIncidents), Word(lang, SeverityKey(severity)),
             absl::StrCat(report.incidents_by_severity[severity]), ""});
  }
  for (const ResponseField& field : kResponseFields) {
    const DurationStats& stats = report.response.*field.member;
    const std::string label(Text(lang, field.label));
    const std::string_view section = Text(lang, Msg::kSectionResponse);
    csv.Row({section, absl::StrCat(label, " (", Sv(Text(lang, Msg::kSamples)), ")"),
             absl::StrCat(stats.count), ""});
    if (stats.count == 0) continue;
    csv.Row({section, absl::StrCat(label, " (", Sv(Text(lang, Msg::kMedian)), ")"),
             SecondsText(stats.median), FormatDuration(lang, stats.median)});
    csv.Row({section, absl::StrCat(label, " (", Sv(Text(lang, Msg::kP90)), ")"),
             SecondsText(stats.p90), FormatDuration(lang, stats.p90)});
  }
  for (const Visit& visit : report.visits) {
    csv.Row({Text(lang, Msg::kCsvVisit), absl::StrCat("#", visit.id), Word(lang, visit.state),
             VisitDetail(visit, zone, lang)});
  }
  for (const IncidentFacts& incident : report.open_incidents) {
    csv.Row({Text(lang, Msg::kCsvOpenIncident), absl::StrCat("#", incident.id),
             Word(lang, incident.state_at),
             absl::StrCat(FormatLocal(incident.created, zone), "; ",
                          Sv(Word(lang, SeverityKey(incident.severity))), "; ", incident.hostname,
                          "; ", incident.title)});
  }
  for (const Visit& visit : report.open_visits) {
    csv.Row({Text(lang, Msg::kCsvOpenVisit), absl::StrCat("#", visit.id), Word(lang, visit.state),
             VisitDetail(visit, zone, lang)});
  }
  return std::move(csv.out());
}

std::string RenderKpiCsv(const KpiReport& report) {
  std::string header = "scope,name,region,from,to,as_of";
  for (const FunnelField& field : kFunnelFields) absl::StrAppend(&header, ",", Sv(field.key));
  for (const ResponseField& field : kResponseFields) {
    absl::StrAppend(&header, ",", Sv(field.key), "_count,", Sv(field.key), "_median_s,",
                    Sv(field.key), "_p90_s");
  }
  for (const SlaField& field : kSlaFields) absl::StrAppend(&header, ",", Sv(field.key));
  std::string out = header + "\r\n";
  auto row = [&](const KpiRow& kpi) {
    absl::StrAppend(&out, CsvField(kpi.scope), ",", CsvField(kpi.name), ",", CsvField(kpi.region),
                    ",", UtcText(report.period.from), ",", UtcText(report.period.to), ",",
                    UtcText(report.period.as_of));
    for (const FunnelField& field : kFunnelFields) {
      absl::StrAppend(&out, ",", kpi.funnel.*field.member);
    }
    for (const ResponseField& field : kResponseFields) {
      const DurationStats& stats = kpi.response.*field.member;
      // No samples: empty cells, not zeros (a zero would read as "instant").
      absl::StrAppend(&out, ",", stats.count, ",", stats.count > 0 ? SecondsText(stats.median) : "",
                      ",", stats.count > 0 ? SecondsText(stats.p90) : "");
    }
    for (const SlaField& field : kSlaFields) absl::StrAppend(&out, ",", kpi.sla.*field.member);
    out += "\r\n";
  };
  row(report.total);
  for (const KpiRow& kpi : report.regions) row(kpi);
  for (const KpiRow& kpi : report.tenants) row(kpi);
  return out;
}

}  // namespace otasuke::collector::report
