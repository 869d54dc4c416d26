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

// In-place tokenising of /proc text (no copies, no allocation): each cuts its token off the
// front of `text`.
// The next word (a run of characters other than space and tab); empty when none is left.
inline std::string_view ConsumeWord(std::string_view& text) {
  const size_t start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    text = {};
    return {};
  }
  text.remove_prefix(start);
  const size_t end = text.find_first_of(" \t");
  const std::string_view word = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  return word;
}
// The first line, without its '\n'.
inline std::string_view ConsumeLine(std::string_view& text) {
  const size_t end = text.find('\n');
  const std::string_view line = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  return line;
}

}  // namespace otasuke
