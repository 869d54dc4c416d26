#include "collector/notify/sme_message.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "collector/notify/payload.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

// Japan Standard Time has no daylight saving: a fixed offset needs no tz database.
std::string JapanTime(const google::protobuf::Timestamp& ts) {
  absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::FormatTime("%Y-%m-%d %H:%M", t, absl::FixedTimeZone(9 * 60 * 60));
}

const std::string& Or(const std::string& text, const std::string& fallback) {
  return text.empty() ? fallback : text;
}

struct Device {
  std::string host;
  std::string user;
  std::string address;  // "" when the alert carries none
};

Device DeviceOf(const NotificationJob& job) {
  Device device;
  device.host = !job.incident.hostname().empty() ? job.incident.hostname() : job.alert.hostname();
  device.user = job.alert.process().user();
  device.address = job.alert.network().src_ip();
  return device;
}

SmeText Japanese(const NotificationJob& job, const Device& device) {
  const v1::Alert& alert = job.alert;
  const std::string generic_what =
      absl::StrCat("セキュリティ上の注意が必要な動きを検知しました（", alert.title(), "）。");
  const std::string generic_next =
      "パソコンはそのままにして、お助け隊からの連絡をお待ちください。"
      "心当たりがあれば、そのこともお伝えください。";
  std::string who =
      absl::StrCat("端末名 ", device.host, "／利用者 ", device.user.empty() ? "不明" : device.user);
  if (!device.address.empty()) absl::StrAppend(&who, "（", device.address, "）");
  SmeText text;
  text.subject = absl::StrCat(
      "【お助け隊】", device.host,
      " で対応が必要なことが起きました（重要度: ", SeverityLabelJa(job.incident.severity()), "）");
  text.body = absl::StrCat("何が起きたか:\n  ", Or(alert.explanation().ja(), generic_what), "\n\n",
                           "どの端末で:\n  ", who, "\n\n", "いつ:\n  ",
                           JapanTime(alert.event_time()), "（日本時間）\n\n", "今すぐすること:\n  ",
                           Or(alert.next_step().ja(), generic_next), "\n\n",
                           "お助け隊の担当者からご連絡します。お問い合わせの際は受付番号 ",
                           job.incident.id(), " をお伝えください。\n");
  return text;
}

SmeText English(const NotificationJob& job, const Device& device) {
  const v1::Alert& alert = job.alert;
  const std::string generic_what =
      absl::StrCat("Something that needs attention was detected (", alert.title(), ").");
  const std::string generic_next =
      "Leave the computer as it is and wait for your helper team's call. "
      "If you know what caused it, tell them.";
  std::string who = absl::StrCat("computer ", device.host, ", user ",
                                 device.user.empty() ? "unknown" : device.user);
  if (!device.address.empty()) absl::StrAppend(&who, " (", device.address, ")");
  SmeText text;
  text.subject = absl::StrCat("[Otasuke] Action needed on ", device.host,
                              " (severity: ", SeverityName(job.incident.severity()), ")");
  text.body = absl::StrCat("What happened:\n  ", Or(alert.explanation().en(), generic_what), "\n\n",
                           "Which device:\n  ", who, "\n\n", "When:\n  ",
                           JapanTime(alert.event_time()), " (Japan time)\n\n",
                           "What to do now:\n  ", Or(alert.next_step().en(), generic_next), "\n\n",
                           "Your helper team will contact you. Quote reference ", job.incident.id(),
                           " when you call.\n");
  return text;
}

}  // namespace

std::string SeverityLabelJa(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_CRITICAL:
      return "緊急";
    case v1::SEVERITY_HIGH:
      return "高";
    case v1::SEVERITY_MEDIUM:
      return "中";
    case v1::SEVERITY_LOW:
      return "低";
    default:
      return "情報";
  }
}

SmeMessage BuildSmeMessage(const NotificationJob& job) {
  Device device = DeviceOf(job);
  return SmeMessage{.ja = Japanese(job, device), .en = English(job, device)};
}

}  // namespace otasuke::collector

namespace otasuke::collector {

std::string TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  constexpr std::string_view kEllipsis = "…";
  if (max_bytes < kEllipsis.size()) return "";
  size_t end = max_bytes - kEllipsis.size();
  // Step back over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(Sv(text.substr(0, end)), Sv(kEllipsis));
}

namespace {

// UTF-16 code units of the character whose UTF-8 lead byte is `lead`: a 4-byte sequence is a
// surrogate pair. Continuation bytes count nothing.
size_t Utf16Units(unsigned char lead) {
  if ((lead & 0xC0) == 0x80) return 0;
  return lead >= 0xF0 ? 2 : 1;
}

}  // namespace

size_t Utf16Length(std::string_view text) {
  size_t units = 0;
  for (char c : text) units += Utf16Units(static_cast<unsigned char>(c));
  return units;
}

std::string TruncateUtf16(std::string_view text, size_t max_units) {
  if (Utf16Length(text) <= max_units) return std::string(text);
  constexpr std::string_view kEllipsis = "…";  // one UTF-16 unit
  if (max_units < 1) return "";
  // Keep whole characters while they and the ellipsis fit.
  size_t units = 0;
  size_t end = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t u = Utf16Units(static_cast<unsigned char>(text[i]));
    if (u == 0) continue;
    if (units + u > max_units - 1) break;
    units += u;
    end = i + 1;
    while (end < text.size() && Utf16Units(static_cast<unsigned char>(text[end])) == 0) ++end;
  }
  return absl::StrCat(Sv(text.substr(0, end)), Sv(kEllipsis));
}

}  // namespace otasuke::collector
