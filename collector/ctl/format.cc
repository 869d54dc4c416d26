#include "collector/ctl/format.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace otasuke::ctl {

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

std::string Yen(int64_t yen) { return absl::StrCat("¥", yen); }

std::string OrDash(std::string_view text) { return text.empty() ? "-" : std::string(text); }

}  // namespace otasuke::ctl
