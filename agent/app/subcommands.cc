#include "agent/app/subcommands.h"

#include <cstdio>
#include <string>

#include "agent/event/field_docs.h"
#include "agent/identity/agent_identity.h"
#include "agent/network/scan/scan_pcap_command.h"
#include "agent/sigma/scan_events_command.h"

namespace otasuke::agent {
namespace {

int RunListFields(int, const char* const*) {
  std::fputs(FieldListText().c_str(), stdout);
  return 0;
}

constexpr Subcommand kSubcommands[] = {
    {.name = "scan-pcap",
     .usage = "scan-pcap [--rules PATH]... [--vars FILE] [--eve FILE] [--strict] PCAP...",
     .run = &network::RunScanPcap},
    {.name = "scan-events",
     .usage = "scan-events [--rules PATH]... [--alerts FILE] [--strict] FILE...",
     .run = &sigma::RunScanEvents},
    {.name = "enroll",
     .usage = "enroll --collector HOST:PORT --token TOKEN (--ca-fingerprint SHA256 | --ca-file "
              "FILE) [--state-dir DIR]",
     .run = &RunEnroll},
    {.name = "--list-fields", .usage = "--list-fields", .run = &RunListFields},
};

}  // namespace

const Subcommand* FindSubcommand(std::string_view name) {
  for (const Subcommand& s : kSubcommands) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string_view SubcommandsUsage() {
  static const std::string* usage = [] {
    auto* text = new std::string();
    for (const Subcommand& s : kSubcommands) {
      *text += "  otasuke-agent " + std::string(s.usage) + "\n";
    }
    return text;
  }();
  return *usage;
}

}  // namespace otasuke::agent
