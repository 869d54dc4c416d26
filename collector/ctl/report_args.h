#pragma once
// What `otasukectl reports` reads from its flags: the output format and the bounds of a KPI
// period, with errors naming the flag and what it expects.

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "otasuke/v1/report_service.pb.h"

namespace otasuke::ctl {

// "html", "csv" or "json".
absl::StatusOr<v1::ReportFormat> ParseReportFormat(std::string_view text);

// An RFC 3339 time ("2026-10-01T00:00:00+09:00") or a date ("2026-10-01"), which is midnight in
// Japan time (the programme's time zone). `flag` names the flag in errors.
absl::StatusOr<absl::Time> ParsePeriodBound(std::string_view flag, std::string_view text);

}  // namespace otasuke::ctl
