// Differential fuzzer of the JSON string escaper (common/json_writer.h) against nlohmann's
// dump with the replace handler, the writer it stands in for: any bytes (EVE fields come
// straight off the wire, event fields from untrusted logs) must give nlohmann's exact text,
// which must parse back, to the input itself when the input is valid UTF-8.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/json_writer.h"
#include "nlohmann/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string ours;
  otasuke::AppendJsonString(input, &ours);
  const std::string theirs =
      nlohmann::json(input).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (ours != theirs) std::abort();
  const auto parsed = nlohmann::json::parse(ours, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_string()) std::abort();
  const std::string strict = [&] {
    try {
      return nlohmann::json(input).dump();
    } catch (const nlohmann::json::type_error&) {
      return std::string();  // not valid UTF-8: replaced, so no round trip expected
    }
  }();
  if (!strict.empty() && parsed.get<std::string>() != input) std::abort();
  return 0;
}
