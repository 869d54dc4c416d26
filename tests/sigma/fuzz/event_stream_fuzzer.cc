// Fuzzes the event-file splitter and format detection: arbitrary bytes as a whole file.

#include <cstdint>
#include <string_view>

#include "agent/event/readers/event_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otasuke::agent;
  readers::ReadStats stats;
  size_t events = 0;
  (void)readers::ReadEvents(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz",
      [&](const Event&) { ++events; }, &stats);
  return 0;
}
