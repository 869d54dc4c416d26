// libFuzzer target: what a report renders comes from agents and operators (tenant names, host
// names, alert titles, visit reasons) and the month from a console request. The first byte picks
// the language; the rest is split at NUL into month, tenant name, host name, title and reason.
// Any input must render HTML with no markup of its own, CSV and JSON, and never crash.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collector/report/report_builder.h"
#include "collector/report/report_render.h"

namespace {

std::vector<std::string> Fields(std::string_view text, size_t count) {
  std::vector<std::string> fields;
  while (fields.size() + 1 < count) {
    size_t end = text.find('\0');
    if (end == std::string_view::npos) break;
    fields.emplace_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  fields.emplace_back(text);
  fields.resize(count);
  return fields;
}

}  // namespace

namespace report = otasuke::collector::report;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const report::Lang lang = data[0] % 2 == 0 ? report::Lang::kJa : report::Lang::kEn;
  std::vector<std::string> f =
      Fields(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), 5);
  (void)report::ParseMonth(f[0]);
  (void)report::ParseLang(f[0]);
  report::MonthlyReport monthly{.tenant_id = f[1], .tenant_name = f[1], .region = f[2]};
  monthly.time_zone = (data[0] & 2) != 0 ? "Asia/Tokyo" : "no/such-zone";  // UTC fallback
  monthly.month = f[0];
  monthly.funnel.incidents = static_cast<int64_t>(size);
  monthly.response.ack = {.count = 1, .median = absl::Seconds(size), .p90 = absl::Hours(size)};
  monthly.visits.push_back(report::Visit{.id = 1, .origin = f[3], .state = f[4], .reason = f[4]});
  report::IncidentFacts open{.id = 2, .hostname = f[2], .title = f[3], .state_at = f[4]};
  monthly.open_incidents.push_back(open);
  const std::string html = report::RenderMonthlyHtml(monthly, lang);
  // The page has no script, and text from the input never opens an element.
  if (html.find("<script") != std::string::npos) __builtin_trap();
  (void)report::RenderMonthlyCsv(monthly, lang);
  (void)report::RenderMonthlyJson(monthly);
  return 0;
}
