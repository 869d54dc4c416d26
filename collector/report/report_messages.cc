#include "collector/report/report_messages.h"

#include <array>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace otasuke::collector::report {
namespace {

struct Message {
  Msg id;
  std::string_view ja;
  std::string_view en;
};

// In the order of Msg, so a lookup is an index (both checked at compile time below).
constexpr Message kMessages[] = {
    {Msg::kReportTitle, "月次セキュリティレポート", "Monthly security report"},
    {Msg::kOwnerSummary, "経営者の方へ：今月のまとめ", "Summary for the owner"},
    {Msg::kSummaryText,
     "今月は $0 件のアラートを受け、$1 件のインシデントとしてまとめて対応しました。うち $2 "
     "件は遠隔で"
     "対処し、$3 件は訪問して対処しました。",
     "This month we received $0 alerts and handled them as $1 incidents: $2 were dealt with "
     "remotely and $3 needed a visit."},
    {Msg::kSlaText, "約束した時間内の受付：対象 $0 件のうち $1 件が時間内でした。",
     "Acknowledged within the agreed time: $1 of $0 incidents."},
    {Msg::kSlaNone, "今月は受付時間の約束の対象となるインシデントはありませんでした。",
     "No incident this month fell under the agreed acknowledgement time."},
    {Msg::kOpenText, "対応中の項目：インシデント $0 件、訪問 $1 件。",
     "Still open: $0 incidents and $1 visits."},
    {Msg::kAckText, "受付までの時間（中央値）：$0。", "Median time to acknowledge: $0."},
    {Msg::kTenant, "お客様", "Customer"},
    {Msg::kRegion, "地域", "Region"},
    {Msg::kPeriod, "対象期間", "Period"},
    {Msg::kAsOf, "集計時点", "Figures as of"},
    {Msg::kTimeZone, "タイムゾーン", "Time zone"},
    {Msg::kSectionAlerts, "重要度別アラート", "Alerts by severity"},
    {Msg::kSectionIncidents, "重要度別インシデント", "Incidents by severity"},
    {Msg::kSectionFunnel, "対応の内訳", "How incidents were handled"},
    {Msg::kSectionResponse, "対応時間", "Response times"},
    {Msg::kSectionVisits, "訪問対応（駆け付け）", "On-site visits"},
    {Msg::kSectionOpen, "対応中の項目", "Open items"},
    {Msg::kSeverity, "重要度", "Severity"},
    {Msg::kCount, "件数", "Count"},
    {Msg::kTotal, "合計", "Total"},
    {Msg::kAlerts, "アラート", "Alerts"},
    {Msg::kIncidents, "インシデント", "Incidents"},
    {Msg::kHandledRemotely, "遠隔で対処", "Handled remotely"},
    {Msg::kOnSite, "訪問で対処", "On site"},
    {Msg::kFalsePositive, "誤検知", "False positive"},
    {Msg::kStillOpen, "対応中", "Still open"},
    {Msg::kMeasure, "指標", "Measure"},
    {Msg::kMedian, "中央値", "Median"},
    {Msg::kP90, "90パーセンタイル", "90th percentile"},
    {Msg::kSamples, "対象件数", "Incidents"},
    {Msg::kTimeToNotify, "通知までの時間", "Time to notify"},
    {Msg::kTimeToAck, "受付までの時間", "Time to acknowledge"},
    {Msg::kTimeToContain, "封じ込めまでの時間", "Time to contain"},
    {Msg::kTimeToResolve, "解決までの時間", "Time to resolve"},
    {Msg::kSlaEligible, "受付時間の約束の対象", "Under the acknowledgement SLA"},
    {Msg::kSlaBreaches, "約束の時間を超えた受付", "SLA breaches"},
    {Msg::kNumber, "番号", "No."},
    {Msg::kIncident, "インシデント", "Incident"},
    {Msg::kOrigin, "依頼元", "Requested by"},
    {Msg::kState, "状態", "State"},
    {Msg::kOpened, "依頼日時", "Opened"},
    {Msg::kArrived, "到着", "Arrived"},
    {Msg::kClosed, "完了", "Closed"},
    {Msg::kCost, "費用", "Cost"},
    {Msg::kReason, "理由", "Reason"},
    {Msg::kHost, "端末", "Device"},
    {Msg::kWhat, "内容", "What"},
    {Msg::kCreated, "発生日時", "Opened"},
    {Msg::kNone, "なし", "None"},
    {Msg::kVisitCost, "訪問費用の合計", "Total cost of visits"},
    {Msg::kVisitsByOrigin, "訪問件数", "Visits"},
    {Msg::kCsvSection, "区分", "section"},
    {Msg::kCsvItem, "項目", "item"},
    {Msg::kCsvValue, "値", "value"},
    {Msg::kCsvDetail, "詳細", "detail"},
    {Msg::kCsvReport, "レポート", "report"},
    {Msg::kCsvSummary, "まとめ", "summary"},
    {Msg::kCsvVisit, "訪問", "visit"},
    {Msg::kCsvOpenIncident, "対応中のインシデント", "open incident"},
    {Msg::kCsvOpenVisit, "対応中の訪問", "open visit"},
    {Msg::kFooter, "お助け隊 Otasuke が集計しました。各数値の定義は docs/REPORTS.md にあります。",
     "Compiled by Otasuke. Every figure is defined in docs/REPORTS.md."},
};
constexpr bool MessagesInOrder() {
  for (size_t i = 0; i < std::size(kMessages); ++i) {
    if (static_cast<size_t>(kMessages[i].id) != i) return false;
  }
  return std::size(kMessages) == static_cast<size_t>(Msg::kCount_);
}
static_assert(MessagesInOrder(), "kMessages must list every Msg once, in the order of Msg");

struct WordText {
  std::string_view name;
  std::string_view ja;
  std::string_view en;
};

constexpr WordText kWords[] = {
    {"critical", "緊急", "critical"},
    {"high", "高", "high"},
    {"medium", "中", "medium"},
    {"low", "低", "low"},
    {"informational", "情報", "informational"},
    {"unspecified", "不明", "unspecified"},
    {"new", "新規", "new"},
    {"assigned", "担当決定", "assigned"},
    {"acknowledged", "受付済み", "acknowledged"},
    {"investigating", "調査中", "investigating"},
    {"contained", "封じ込め済み", "contained"},
    {"resolved", "解決", "resolved"},
    {"false_positive", "誤検知", "false positive"},
    {"requested", "依頼", "requested"},
    {"accepted", "受付", "accepted"},
    {"departed", "出発", "departed"},
    {"arrived", "到着", "arrived"},
    {"closed", "完了", "closed"},
    {"responder", "担当者", "responder"},
    {"policy", "契約の方針", "policy"},
    {"sme_request", "お客様のご依頼", "customer request"},
};

struct Units {
  std::string_view day, hour, minute, second, separator;
};
constexpr Units kJaUnits = {"日", "時間", "分", "秒", ""};
constexpr Units kEnUnits = {" d", " h", " min", " s", " "};

}  // namespace

absl::StatusOr<Lang> ParseLang(std::string_view text) {
  if (text == "ja") return Lang::kJa;
  if (text == "en") return Lang::kEn;
  return absl::InvalidArgumentError(
      absl::StrCat("lang: '", Sv(text), "' is not a report language (ja, en)"));
}

std::string_view LangCode(Lang lang) { return lang == Lang::kJa ? "ja" : "en"; }

std::string_view Text(Lang lang, Msg msg) {
  const Message& message = kMessages[static_cast<size_t>(msg)];
  return lang == Lang::kJa ? message.ja : message.en;
}

std::string_view Word(Lang lang, std::string_view name) {
  for (const WordText& word : kWords) {
    if (word.name == name) return lang == Lang::kJa ? word.ja : word.en;
  }
  return name;
}

std::string_view SeverityKey(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_CRITICAL:
      return "critical";
    case v1::SEVERITY_HIGH:
      return "high";
    case v1::SEVERITY_MEDIUM:
      return "medium";
    case v1::SEVERITY_LOW:
      return "low";
    case v1::SEVERITY_INFORMATIONAL:
      return "informational";
    default:
      return "unspecified";
  }
}

std::string FormatDuration(Lang lang, absl::Duration duration) {
  const Units& units = lang == Lang::kJa ? kJaUnits : kEnUnits;
  int64_t seconds = absl::ToInt64Seconds(duration + absl::Milliseconds(500));  // rounded
  if (seconds < 0) seconds = 0;
  const int64_t days = seconds / 86400;
  const int64_t hours = seconds % 86400 / 3600;
  const int64_t minutes = seconds % 3600 / 60;
  const int64_t secs = seconds % 60;
  std::string out;
  auto part = [&](int64_t value, std::string_view unit) {
    if (!out.empty()) absl::StrAppend(&out, Sv(units.separator));
    absl::StrAppend(&out, value, Sv(unit));
  };
  if (days > 0) part(days, units.day);
  if (hours > 0) part(hours, units.hour);
  if (days == 0 && minutes > 0) part(minutes, units.minute);
  if (seconds < 600 && (secs > 0 || out.empty())) part(secs, units.second);
  return out;
}

std::string FormatLocal(absl::Time time, absl::TimeZone zone) {
  return absl::FormatTime("%Y-%m-%d %H:%M", time, zone);
}

std::string FormatYen(int64_t yen) {
  std::string digits = absl::StrCat(yen < 0 ? -yen : yen);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  return absl::StrCat(yen < 0 ? "-" : "", "¥", grouped);
}

}  // namespace otasuke::collector::report
