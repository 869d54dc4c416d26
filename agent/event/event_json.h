#pragma once
// Event <-> Otasuke JSON: the one rendering used for alert evidence, scan-events output and
// Otasuke's own event files, so an alert's event can be fed back to `scan-events`:
//   {"time":"2026-01-02T03:04:05Z","logsource":{"product":..,"category":..,"service":..},
//    "event":{"Image":"/usr/bin/curl",...}}

#include <cstddef>
#include <string>
#include <string_view>

#include "agent/event/event.h"

namespace otasuke::agent {

// Appends the event as one JSON object. When the rendering would exceed max_bytes, field
// values are cut (marked with "…") and trailing fields are dropped, keeping it valid JSON.
void AppendEventJson(const Event& event, size_t max_bytes, std::string* out);

// The same with the logsource and event objects only, without the enclosing braces, for
// callers that embed them in a larger object.
void AppendEventJsonMembers(const Event& event, size_t max_bytes, std::string* out);

}  // namespace otasuke::agent
