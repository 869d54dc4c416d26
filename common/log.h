#pragma once
// A minimal leveled logger to stderr. Abseil 20220623 has no absl/log; this is enough for
// daemons whose output goes to journald. One fwrite per line, so lines never interleave.

#include <string_view>

#include "absl/strings/str_format.h"

namespace otasuke {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warn", "error". Returns false for anything else.
bool ParseLogLevel(std::string_view text, LogLevel* level);
void SetLogComponent(std::string_view component);
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (level < GetLogLevel()) return;
  LogLine(level, absl::StrFormat(format, args...));
}

}  // namespace otasuke

#define LOG_DEBUG(...) ::otasuke::Log(::otasuke::LogLevel::kDebug, __VA_ARGS__)
#define LOG_INFO(...) ::otasuke::Log(::otasuke::LogLevel::kInfo, __VA_ARGS__)
#define LOG_WARN(...) ::otasuke::Log(::otasuke::LogLevel::kWarn, __VA_ARGS__)
#define LOG_ERROR(...) ::otasuke::Log(::otasuke::LogLevel::kError, __VA_ARGS__)
