#pragma once
// Small text forms shared by otasukectl's tables: times in UTC, yen, "-" for nothing.

#include <cstdint>
#include <string>
#include <string_view>

#include "google/protobuf/timestamp.pb.h"

namespace otasuke::ctl {

// "2026-11-22 09:30:00Z"; "-" for an unset timestamp.
std::string Time(const google::protobuf::Timestamp& ts);
std::string Yen(int64_t yen);
// `text`, or "-" when it is empty.
std::string OrDash(std::string_view text);

}  // namespace otasuke::ctl
