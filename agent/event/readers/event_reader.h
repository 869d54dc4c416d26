#pragma once
// Event files -> Events. The format is detected per record, so files may even mix them:
//  - Otasuke JSON lines: {"time":..,"logsource":{..},"event":{..}} (agent/event/event_json.h);
//  - evtx_dump JSON: {"Event":{"System":{..},"EventData":{..}}}, one per line or several
//    pretty-printed objects one after another;
//  - flat JSON lines as NXLog and Security-Datasets write them (Channel, EventID and the
//    event data at top level), and Winlogbeat's {"winlog":{"channel","event_id",
//    "event_data":{..}}}.
// Windows records get their Sigma log source from windows_logsource.h. A record that cannot
// be read is reported with its line and skipped; the others still load.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "agent/event/event.h"

namespace otasuke::agent::readers {

enum class EventFormat : uint8_t { kOtasuke, kEvtxJson, kFlatJson, kWinlogbeat };
std::string_view EventFormatName(EventFormat format);

struct ReadStats {
  uint64_t records = 0;  // events delivered
  uint64_t by_format[4] = {};
  uint64_t bad_records = 0;
  std::vector<std::string> errors;  // first few "file:line: reason"
};

using EventCallback = std::function<void(const Event&)>;

// Parses every record of `content`. Fails only when nothing in it is readable as events
// (e.g. a binary .evtx file); otherwise bad records are counted in *stats.
absl::Status ReadEvents(std::string_view content, std::string_view path,
                        const EventCallback& on_event, ReadStats* stats);
absl::Status ReadEventFile(const std::string& path, const EventCallback& on_event,
                           ReadStats* stats);

// One record (a JSON object's text), its format detected; for tests and fuzzers.
absl::Status ParseEventRecord(std::string_view json_text, Event* event, EventFormat* format);
// One record read as the given format, whatever it looks like; for per-reader fuzzers.
absl::Status ParseEventRecordAs(std::string_view json_text, EventFormat format, Event* event);

}  // namespace otasuke::agent::readers
