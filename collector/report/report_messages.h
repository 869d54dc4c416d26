#pragma once
// Every word the reports print, in Japanese and English, from one table (report_messages.cc):
// renderers ask for a message id or a state/severity name and never hold text of their own, so
// a language is one column of the table, not a copy of a renderer.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::collector::report {

enum class Lang { kJa, kEn };

// "ja" or "en"; InvalidArgument otherwise.
absl::StatusOr<Lang> ParseLang(std::string_view text);
std::string_view LangCode(Lang lang);

enum class Msg {
  kReportTitle,
  kOwnerSummary,
  kSummaryText,  // $0 alerts, $1 incidents, $2 remotely, $3 on site
  kSlaText,      // $0 eligible, $1 in time
  kSlaNone,
  kOpenText,  // $0 incidents, $1 visits
  kAckText,   // $0 median time to acknowledge
  kTenant,
  kRegion,
  kPeriod,
  kAsOf,
  kTimeZone,
  kSectionAlerts,
  kSectionIncidents,
  kSectionFunnel,
  kSectionResponse,
  kSectionVisits,
  kSectionOpen,
  kSeverity,
  kCount,
  kTotal,
  kAlerts,
  kIncidents,
  kHandledRemotely,
  kOnSite,
  kFalsePositive,
  kStillOpen,
  kMeasure,
  kMedian,
  kP90,
  kSamples,
  kTimeToNotify,
  kTimeToAck,
  kTimeToContain,
  kTimeToResolve,
  kSlaEligible,
  kSlaBreaches,
  kNumber,
  kIncident,
  kOrigin,
  kState,
  kOpened,
  kArrived,
  kClosed,
  kCost,
  kReason,
  kHost,
  kWhat,
  kCreated,
  kNone,
  kVisitCost,
  kVisitsByOrigin,
  kCsvSection,
  kCsvItem,
  kCsvValue,
  kCsvDetail,
  kCsvReport,
  kCsvSummary,
  kCsvVisit,
  kCsvOpenIncident,
  kCsvOpenVisit,
  kFooter,
  kCount_,  // number of messages; keep last
};

std::string_view Text(Lang lang, Msg msg);

// Severity, incident state, work-order state and origin names ("high", "resolved",
// "sme_request") in `lang`; an unknown name is returned as given.
std::string_view Word(Lang lang, std::string_view name);
std::string_view SeverityKey(v1::Severity severity);  // "high"; "unspecified"

// "1時間5分" / "1 h 5 min"; seconds are shown below ten minutes; "—" for no value.
std::string FormatDuration(Lang lang, absl::Duration duration);
// "2026-10-05 10:00" in `zone`.
std::string FormatLocal(absl::Time time, absl::TimeZone zone);
// "¥12,400"
std::string FormatYen(int64_t yen);

}  // namespace otasuke::collector::report
