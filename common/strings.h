#pragma once
// Debian's Abseil 20220623 is built with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view is its own type and absl::StrCat/StrSplit/SimpleAtoi do not take a
// std::string_view. Otasuke's APIs use std::string_view; Sv() bridges at absl call sites.
// (absl::StrFormat's %s accepts std::string_view directly.)

#include <string_view>

#include "absl/strings/string_view.h"

namespace otasuke {

inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view StdSv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace otasuke
