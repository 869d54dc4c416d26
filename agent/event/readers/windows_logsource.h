#pragma once
// Windows event log -> Sigma log source: the channel names the service, the channel plus
// EventID the category (Sysmon 1 process_creation, 3 network_connection, ..., Security 4688
// process_creation, PowerShell 4104 ps_script, ...). One table, after SigmaHQ's reference
// mapping (../shared/conformance/sigma-regression/_config/thor.yml); docs/SIGMA.md lists it.

#include <cstdint>
#include <span>
#include <string_view>

#include "agent/event/event.h"

namespace otasuke::agent::readers {

struct ChannelService {
  std::string_view channel;  // as in Event.System.Channel, compared case-insensitively
  std::string_view service;
};

struct EventCategory {
  std::string_view service;
  uint32_t event_id;
  std::string_view category;
  std::string_view event_type;  // Sysmon 12 splits on EventData.EventType; empty: any
};

std::span<const ChannelService> ChannelServiceTable();
std::span<const EventCategory> EventCategoryTable();

// Sets event->source() for a Windows record, and renames fields whose Sigma name differs
// from the log's (Security 4688 NewProcessName -> Image, ...). Unknown channels keep
// product "windows" and an empty service and category.
void MapWindowsLogSource(std::string_view channel, uint32_t event_id, Event* event);

}  // namespace otasuke::agent::readers
