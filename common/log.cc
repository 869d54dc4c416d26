#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace otasuke {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
// Set once at start-up, before threads exist.
std::string* g_component = new std::string("otasuke");

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  for (int i = 0; i < 4; ++i) {
    if (text == kLevelNames[i]) {
      *level = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

void SetLogComponent(std::string_view component) { *g_component = std::string(component); }

void LogLine(LogLevel level, std::string_view message) {
  std::string line = absl::StrFormat(
      "%s %s[%s] %s\n", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      *g_component, kLevelNames[static_cast<int>(level)], message);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace otasuke
