#pragma once
// The JSON message about a new incident: what happened, on which device (hostname and user),
// what to do now — in Japanese and English, from the rule's explanation fields.

#include <string>

#include "collector/store/store.h"

namespace otasuke::collector {

std::string IncidentPayloadJson(const NotificationJob& job);

// Lower-case names used in JSON and tables: "high", "new", "sigma".
std::string SeverityName(v1::Severity severity);
std::string IncidentStateName(v1::IncidentState state);
std::string EngineName(v1::Engine engine);

}  // namespace otasuke::collector
