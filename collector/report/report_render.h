#pragma once
// Renderers of the reports. The monthly report: one self-contained printable HTML page (the
// owner's summary first, then the detail), a CSV (RFC 4180, CRLF; a UTF-8 BOM in Japanese so
// Excel reads it) and JSON; in Japanese or English from the message table. The KPIs: CSV and
// JSON with stable English keys (for spreadsheets and scripts).

#include <string>

#include "collector/report/report_messages.h"
#include "collector/report/report_model.h"

namespace otasuke::collector::report {

std::string RenderMonthlyHtml(const MonthlyReport& report, Lang lang);
std::string RenderMonthlyCsv(const MonthlyReport& report, Lang lang);
std::string RenderMonthlyJson(const MonthlyReport& report);

std::string RenderKpiCsv(const KpiReport& report);
std::string RenderKpiJson(const KpiReport& report);

// "a,b" -> "\"a,b\"" (RFC 4180: fields with a comma, quote, CR or LF are quoted, quotes doubled).
std::string CsvField(std::string_view text);
// & < > " ' escaped for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace otasuke::collector::report
