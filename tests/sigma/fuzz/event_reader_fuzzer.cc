// Fuzzes one JSON event reader on one record, then the rendering of whatever it read back to
// JSON (which must parse again). The reader is chosen per target by OTASUKE_FUZZ_EVENT_FORMAT
// (an EventFormat enumerator: kEvtxJson, kFlatJson, kWinlogbeat, kOtasuke; see CMakeLists.txt).

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/event/event_json.h"
#include "agent/event/readers/event_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otasuke::agent;
  Event event;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!readers::ParseEventRecordAs(text, readers::EventFormat::OTASUKE_FUZZ_EVENT_FORMAT, &event)
           .ok())
    return 0;
  std::string json;
  AppendEventJson(event, 4096, &json);
  Event back;
  readers::EventFormat format;
  if (!readers::ParseEventRecord(json, &back, &format).ok()) std::abort();
  return 0;
}
