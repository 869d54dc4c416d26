// The monthly report as one self-contained, printable HTML page: the owner's summary on the
// first page, then the detail tables. No scripts, no external resources; every text from the
// database is escaped.

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "collector/report/report_fields.h"
#include "collector/report/report_render.h"
#include "common/strings.h"

namespace otasuke::collector::report {
namespace {

constexpr std::string_view kStyle = R"css(
body { font-family: "Noto Sans JP", "Hiragino Sans", "Yu Gothic", sans-serif; margin: 2em;
       color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; border-bottom: 2px solid #2a6; padding-bottom: 0.2em; margin-top: 1.5em; }
p.meta { color: #555; margin-top: 0; }
section.summary p { font-size: 1.1em; line-height: 1.6; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.7em; text-align: left; }
td.num { text-align: right; }
footer { margin-top: 2em; color: #777; font-size: 0.85em; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; } section.summary { page-break-after: always; } }
)css";

class Html {
 public:
  void Raw(std::string_view text) { out_.append(text); }
  void Text(std::string_view text) { out_ += HtmlEscape(text); }
  void Element(std::string_view tag, std::string_view text, std::string_view cls = "") {
    absl::StrAppend(&out_, "<", Sv(tag));
    if (!cls.empty()) absl::StrAppend(&out_, " class=\"", Sv(cls), "\"");
    absl::StrAppend(&out_, ">", HtmlEscape(text), "</", Sv(tag), ">");
    if (tag != "td" && tag != "th") out_ += "\n";
  }
  void Row(std::initializer_list<std::string_view> cells, bool header = false,
           bool numeric_tail = false) {
    out_ += "<tr>";
    size_t i = 0;
    for (std::string_view cell : cells) {
      Element(header ? "th" : "td", cell, !header && numeric_tail && i > 0 ? "num" : "");
      ++i;
    }
    out_ += "</tr>\n";
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

std::string OptionalLocal(const std::optional<absl::Time>& time, absl::TimeZone zone) {
  return time.has_value() ? FormatLocal(*time, zone) : "—";
}

void VisitsTable(Html& html, const std::vector<Visit>& visits, absl::TimeZone zone, Lang lang) {
  if (visits.empty()) {
    html.Element("p", report::Text(lang, Msg::kNone));
    return;
  }
  html.Raw("<table>\n");
  html.Row({report::Text(lang, Msg::kNumber), report::Text(lang, Msg::kIncident),
            report::Text(lang, Msg::kOrigin), report::Text(lang, Msg::kState),
            report::Text(lang, Msg::kOpened), report::Text(lang, Msg::kArrived),
            report::Text(lang, Msg::kClosed), report::Text(lang, Msg::kCost),
            report::Text(lang, Msg::kReason)},
           true);
  for (const Visit& visit : visits) {
    html.Row({absl::StrCat(visit.id),
              visit.incident_id != 0 ? absl::StrCat("#", visit.incident_id) : "—",
              Word(lang, visit.origin), Word(lang, visit.state), FormatLocal(visit.opened, zone),
              OptionalLocal(visit.arrived, zone), OptionalLocal(visit.closed, zone),
              FormatYen(visit.cost_yen), visit.reason});
  }
  html.Raw("</table>\n");
}

std::string StatsText(const DurationStats& stats, bool p90, Lang lang) {
  if (stats.count == 0) return "—";
  return FormatDuration(lang, p90 ? stats.p90 : stats.median);
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RenderMonthlyHtml(const MonthlyReport& report, Lang lang) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(report.time_zone, &zone)) zone = absl::UTCTimeZone();
  auto T = [lang](Msg msg) { return report::Text(lang, msg); };
  Html html;
  const std::string title =
      absl::StrCat(Sv(T(Msg::kReportTitle)), " ", report.month, " — ",
                   report.tenant_name.empty() ? report.tenant_id : report.tenant_name);
  absl::StrAppend(&html.out(), "<!DOCTYPE html>\n<html lang=\"", Sv(LangCode(lang)),
                  "\">\n<head>\n<meta charset=\"utf-8\">\n<title>", HtmlEscape(title),
                  "</title>\n<style>", Sv(kStyle), "</style>\n</head>\n<body>\n");

  // Page 1: the owner's summary.
  html.Raw("<section class=\"summary\">\n");
  html.Element("h1", title);
  html.Element("p",
               absl::StrCat(Sv(T(Msg::kTenant)), ": ", report.tenant_id, " · ", Sv(T(Msg::kPeriod)),
                            ": ", FormatLocal(report.period.from, zone), " – ",
                            FormatLocal(report.period.to, zone), " (", report.time_zone, ") · ",
                            Sv(T(Msg::kAsOf)), ": ", FormatLocal(report.period.as_of, zone)),
               "meta");
  html.Element("h2", T(Msg::kOwnerSummary));
  const Funnel& f = report.funnel;
  html.Element("p", absl::Substitute(Sv(T(Msg::kSummaryText)), f.alerts, f.incidents,
                                     f.handled_remotely, f.on_site));
  html.Element("p", report.sla.eligible == 0
                        ? std::string(T(Msg::kSlaNone))
                        : absl::Substitute(Sv(T(Msg::kSlaText)), report.sla.eligible,
                                           report.sla.eligible - report.sla.breaches));
  if (report.response.ack.count > 0) {
    html.Element("p", absl::Substitute(Sv(T(Msg::kAckText)),
                                       FormatDuration(lang, report.response.ack.median)));
  }
  html.Element("p", absl::Substitute(Sv(T(Msg::kOpenText)), report.open_incidents.size(),
                                     report.open_visits.size()));
  html.Raw("<table>\n");
  for (const FunnelField& field : kFunnelFields) {
    html.Row({T(field.label), absl::StrCat(f.*field.member)}, false, true);
  }
  for (std::string_view origin : kVisitOrigins) {
    html.Row({absl::StrCat(Sv(T(Msg::kVisitsByOrigin)), " (", Sv(Word(lang, origin)), ")"),
              absl::StrCat(CountVisits(report.visits, origin))},
             false, true);
  }
  html.Row({T(Msg::kVisitCost), FormatYen(report.visit_cost_yen)}, false, true);
  html.Raw("</table>\n</section>\n");

  // Detail.
  html.Element("h2",
               absl::StrCat(Sv(T(Msg::kSectionAlerts)), " / ", Sv(T(Msg::kSectionIncidents))));
  html.Raw("<table>\n");
  html.Row({T(Msg::kSeverity), T(Msg::kAlerts), T(Msg::kIncidents)}, true);
  for (v1::Severity severity : kReportSeverities) {
    html.Row({Word(lang, SeverityKey(severity)), absl::StrCat(report.alerts_by_severity[severity]),
              absl::StrCat(report.incidents_by_severity[severity])},
             false, true);
  }
  html.Raw("</table>\n");

  html.Element("h2", T(Msg::kSectionResponse));
  html.Raw("<table>\n");
  html.Row({T(Msg::kMeasure), T(Msg::kSamples), T(Msg::kMedian), T(Msg::kP90)}, true);
  for (const ResponseField& field : kResponseFields) {
    const DurationStats& stats = report.response.*field.member;
    html.Row({T(field.label), absl::StrCat(stats.count), StatsText(stats, false, lang),
              StatsText(stats, true, lang)},
             false, true);
  }
  for (const SlaField& field : kSlaFields) {
    html.Row({T(field.label), absl::StrCat(report.sla.*field.member), "", ""}, false, true);
  }
  html.Raw("</table>\n");

  html.Element("h2", T(Msg::kSectionVisits));
  VisitsTable(html, report.visits, zone, lang);

  html.Element("h2", T(Msg::kSectionOpen));
  if (report.open_incidents.empty()) {
    html.Element("p", absl::StrCat(Sv(T(Msg::kIncidents)), ": ", Sv(T(Msg::kNone))));
  } else {
    html.Raw("<table>\n");
    html.Row({T(Msg::kNumber), T(Msg::kCreated), T(Msg::kSeverity), T(Msg::kState), T(Msg::kHost),
              T(Msg::kWhat)},
             true);
    for (const IncidentFacts& incident : report.open_incidents) {
      html.Row({absl::StrCat("#", incident.id), FormatLocal(incident.created, zone),
                Word(lang, SeverityKey(incident.severity)), Word(lang, incident.state_at),
                incident.hostname, incident.title});
    }
    html.Raw("</table>\n");
  }
  VisitsTable(html, report.open_visits, zone, lang);
  html.Element("footer", T(Msg::kFooter));
  html.Raw("</body>\n</html>\n");
  return std::move(html.out());
}

}  // namespace otasuke::collector::report
