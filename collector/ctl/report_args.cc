#include "collector/ctl/report_args.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace otasuke::ctl {

absl::StatusOr<v1::ReportFormat> ParseReportFormat(std::string_view text) {
  if (text == "html") return v1::REPORT_FORMAT_HTML;
  if (text == "csv") return v1::REPORT_FORMAT_CSV;
  if (text == "json") return v1::REPORT_FORMAT_JSON;
  return absl::InvalidArgumentError(
      absl::StrCat("--format: '", Sv(text), "' is not html, csv or json"));
}

absl::StatusOr<absl::Time> ParsePeriodBound(std::string_view flag, std::string_view text) {
  const std::string value(text);
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, value, &time, &error)) return time;
  absl::CivilDay day;
  absl::TimeZone japan;
  if (absl::ParseCivilTime(value, &day) && absl::LoadTimeZone("Asia/Tokyo", &japan)) {
    return absl::FromCivil(day, japan);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--", Sv(flag), ": '", value,
                   "' is neither a date (2026-10-01, midnight in Japan) nor an RFC 3339 time "
                   "(2026-10-01T00:00:00+09:00)"));
}

}  // namespace otasuke::ctl
