#pragma once
// The figures every renderer prints, as tables of (stable key, member, label): CSV columns, JSON
// keys and HTML rows come from these lists, so adding a figure is one line here.

#include <string_view>

#include "collector/report/report_messages.h"
#include "collector/report/report_model.h"

namespace otasuke::collector::report {

struct FunnelField {
  std::string_view key;  // CSV column / JSON key
  int64_t Funnel::*member;
  Msg label;
};

inline constexpr FunnelField kFunnelFields[] = {
    {"alerts", &Funnel::alerts, Msg::kAlerts},
    {"incidents", &Funnel::incidents, Msg::kIncidents},
    {"handled_remotely", &Funnel::handled_remotely, Msg::kHandledRemotely},
    {"on_site", &Funnel::on_site, Msg::kOnSite},
    {"false_positive", &Funnel::false_positive, Msg::kFalsePositive},
    {"open", &Funnel::open, Msg::kStillOpen},
};

struct ResponseField {
  std::string_view key;
  DurationStats ResponseTimes::*member;
  Msg label;
};

inline constexpr ResponseField kResponseFields[] = {
    {"notify", &ResponseTimes::notify, Msg::kTimeToNotify},
    {"ack", &ResponseTimes::ack, Msg::kTimeToAck},
    {"contain", &ResponseTimes::contain, Msg::kTimeToContain},
    {"resolve", &ResponseTimes::resolve, Msg::kTimeToResolve},
};

struct SlaField {
  std::string_view key;
  int64_t SlaFigures::*member;
  Msg label;
};

inline constexpr SlaField kSlaFields[] = {
    {"sla_eligible", &SlaFigures::eligible, Msg::kSlaEligible},
    {"sla_breaches", &SlaFigures::breaches, Msg::kSlaBreaches},
};

// Seconds with up to six decimals, trailing zeros dropped ("90", "12.5").
std::string SecondsText(absl::Duration duration);
// RFC 3339 in UTC with seconds ("2026-10-01T00:00:00Z").
std::string UtcText(absl::Time time);

}  // namespace otasuke::collector::report
