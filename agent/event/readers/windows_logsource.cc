#include "agent/event/readers/windows_logsource.h"

#include <array>
#include <string>

#include "absl/strings/match.h"
#include "common/strings.h"

namespace otasuke::agent::readers {
namespace {

constexpr std::array<ChannelService, 40> kChannels = {{
    {.channel = "Security", .service = "security"},
    {.channel = "System", .service = "system"},
    {.channel = "Application", .service = "application"},
    {.channel = "Microsoft-Windows-Sysmon/Operational", .service = "sysmon"},
    {.channel = "Microsoft-Windows-PowerShell/Operational", .service = "powershell"},
    {.channel = "PowerShellCore/Operational", .service = "powershell"},
    {.channel = "Windows PowerShell", .service = "powershell-classic"},
    {.channel = "Microsoft-Windows-TaskScheduler/Operational", .service = "taskscheduler"},
    {.channel = "Microsoft-Windows-WMI-Activity/Operational", .service = "wmi"},
    {.channel = "Microsoft-Windows-Windows Defender/Operational", .service = "windefend"},
    {.channel = "Microsoft-Windows-NTLM/Operational", .service = "ntlm"},
    {.channel = "Microsoft-Windows-DNS Client Events/Operational", .service = "dns-client"},
    {.channel = "Microsoft-Windows-Bits-Client/Operational", .service = "bits-client"},
    {.channel = "Microsoft-Windows-CodeIntegrity/Operational",
     .service = "codeintegrity-operational"},
    {.channel = "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
     .service = "firewall-as"},
    {.channel = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
     .service = "terminalservices-localsessionmanager"},
    {.channel = "OpenSSH/Operational", .service = "openssh"},
    {.channel = "Microsoft-Windows-AppLocker/MSI and Script", .service = "applocker"},
    {.channel = "Microsoft-Windows-AppLocker/EXE and DLL", .service = "applocker"},
    {.channel = "Microsoft-Windows-AppLocker/Packaged app-Deployment", .service = "applocker"},
    {.channel = "Microsoft-Windows-AppLocker/Packaged app-Execution", .service = "applocker"},
    {.channel = "Microsoft-Windows-SmbClient/Security", .service = "smbclient-security"},
    {.channel = "Microsoft-Windows-SmbClient/Connectivity", .service = "smbclient-connectivity"},
    {.channel = "Microsoft-Windows-SMBServer/Connectivity", .service = "smbserver-connectivity"},
    {.channel = "Microsoft-Windows-LSA/Operational", .service = "lsa-server"},
    {.channel = "Microsoft-Windows-Shell-Core/Operational", .service = "shell-core"},
    {.channel = "Microsoft-Windows-PrintService/Admin", .service = "printservice-admin"},
    {.channel = "Microsoft-Windows-PrintService/Operational",
     .service = "printservice-operational"},
    {.channel = "Microsoft-Windows-DHCP-Server/Operational", .service = "dhcp"},
    {.channel = "MSExchange Management", .service = "msexchange-management"},
    {.channel = "Microsoft-Windows-Security-Mitigations/Kernel Mode",
     .service = "security-mitigations"},
    {.channel = "Microsoft-Windows-Security-Mitigations/User Mode",
     .service = "security-mitigations"},
    {.channel = "Microsoft-Windows-CAPI2/Operational", .service = "capi2"},
    {.channel = "Microsoft-Windows-Ntfs/Operational", .service = "ntfs"},
    {.channel = "Microsoft-Windows-Diagnosis-Scripted/Operational",
     .service = "diagnosis-scripted"},
    {.channel = "Microsoft-Windows-VHDMP/Operational", .service = "vhdmp"},
    {.channel = "Microsoft-Windows-AppXDeploymentServer/Operational",
     .service = "appxdeployment-server"},
    {.channel = "Microsoft-Windows-LDAP-Client/Debug", .service = "ldap"},
    {.channel = "Microsoft-Windows-BitLocker/BitLocker Management", .service = "bitlocker"},
    {.channel = "Microsoft-Windows-SENSE/Operational", .service = "sense"},
}};

constexpr std::array<EventCategory, 39> kCategories = {{
    {.service = "sysmon", .event_id = 1, .category = "process_creation", .event_type = ""},
    {.service = "sysmon", .event_id = 2, .category = "file_change", .event_type = ""},
    {.service = "sysmon", .event_id = 3, .category = "network_connection", .event_type = ""},
    {.service = "sysmon", .event_id = 4, .category = "sysmon_status", .event_type = ""},
    {.service = "sysmon", .event_id = 5, .category = "process_termination", .event_type = ""},
    {.service = "sysmon", .event_id = 6, .category = "driver_load", .event_type = ""},
    {.service = "sysmon", .event_id = 7, .category = "image_load", .event_type = ""},
    {.service = "sysmon", .event_id = 8, .category = "create_remote_thread", .event_type = ""},
    {.service = "sysmon", .event_id = 9, .category = "raw_access_thread", .event_type = ""},
    {.service = "sysmon", .event_id = 10, .category = "process_access", .event_type = ""},
    {.service = "sysmon", .event_id = 11, .category = "file_event", .event_type = ""},
    {.service = "sysmon", .event_id = 12, .category = "registry_add", .event_type = "CreateKey"},
    {.service = "sysmon", .event_id = 12, .category = "registry_delete", .event_type = "DeleteKey"},
    {.service = "sysmon",
     .event_id = 12,
     .category = "registry_delete",
     .event_type = "DeleteValue"},
    {.service = "sysmon", .event_id = 12, .category = "registry_event", .event_type = ""},
    {.service = "sysmon", .event_id = 13, .category = "registry_set", .event_type = ""},
    {.service = "sysmon", .event_id = 14, .category = "registry_rename", .event_type = ""},
    {.service = "sysmon", .event_id = 15, .category = "create_stream_hash", .event_type = ""},
    {.service = "sysmon", .event_id = 16, .category = "sysmon_status", .event_type = ""},
    {.service = "sysmon", .event_id = 17, .category = "pipe_created", .event_type = ""},
    {.service = "sysmon", .event_id = 18, .category = "pipe_created", .event_type = ""},
    {.service = "sysmon", .event_id = 19, .category = "wmi_event", .event_type = ""},
    {.service = "sysmon", .event_id = 20, .category = "wmi_event", .event_type = ""},
    {.service = "sysmon", .event_id = 21, .category = "wmi_event", .event_type = ""},
    {.service = "sysmon", .event_id = 22, .category = "dns_query", .event_type = ""},
    {.service = "sysmon", .event_id = 23, .category = "file_delete", .event_type = ""},
    {.service = "sysmon", .event_id = 24, .category = "clipboard_change", .event_type = ""},
    {.service = "sysmon", .event_id = 25, .category = "process_tampering", .event_type = ""},
    {.service = "sysmon", .event_id = 26, .category = "file_delete_detected", .event_type = ""},
    {.service = "sysmon", .event_id = 27, .category = "file_block_executable", .event_type = ""},
    {.service = "sysmon", .event_id = 28, .category = "file_block_shredding", .event_type = ""},
    {.service = "sysmon", .event_id = 29, .category = "file_executable_detected", .event_type = ""},
    {.service = "sysmon", .event_id = 255, .category = "sysmon_error", .event_type = ""},
    {.service = "security", .event_id = 4688, .category = "process_creation", .event_type = ""},
    {.service = "powershell", .event_id = 4103, .category = "ps_module", .event_type = ""},
    {.service = "powershell", .event_id = 4104, .category = "ps_script", .event_type = ""},
    {.service = "powershell-classic",
     .event_id = 400,
     .category = "ps_classic_start",
     .event_type = ""},
    {.service = "powershell-classic",
     .event_id = 600,
     .category = "ps_classic_provider_start",
     .event_type = ""},
    {.service = "powershell-classic",
     .event_id = 800,
     .category = "ps_classic_script",
     .event_type = ""},
}};

// Fields whose names in a log differ from what Sigma rules of the category use.
struct FieldRename {
  std::string_view service;
  uint32_t event_id;
  std::string_view from;
  FieldId to;
};
constexpr std::array<FieldRename, 2> kRenames = {{
    {.service = "security", .event_id = 4688, .from = "NewProcessName", .to = FieldId::kImage},
    {.service = "security",
     .event_id = 4688,
     .from = "ParentProcessName",
     .to = FieldId::kParentImage},
}};

}  // namespace

std::span<const ChannelService> ChannelServiceTable() { return kChannels; }
std::span<const EventCategory> EventCategoryTable() { return kCategories; }

void MapWindowsLogSource(std::string_view channel, uint32_t event_id, Event* event) {
  LogSource& src = event->source();
  src.product = "windows";
  src.service.clear();
  src.category.clear();
  for (const ChannelService& c : kChannels) {
    if (absl::EqualsIgnoreCase(Sv(c.channel), Sv(channel))) {
      src.service = std::string(c.service);
      break;
    }
  }
  if (src.service.empty()) return;
  std::string event_type;
  if (const std::string* t = event->FindExtra("EventType")) event_type = *t;
  for (const EventCategory& c : kCategories) {
    if (c.service != src.service || c.event_id != event_id) continue;
    if (!c.event_type.empty() && !absl::EqualsIgnoreCase(Sv(c.event_type), Sv(event_type))) {
      continue;
    }
    src.category = std::string(c.category);
    break;
  }
  for (const FieldRename& r : kRenames) {
    if (r.service != src.service || r.event_id != event_id || event->Has(r.to)) continue;
    if (const std::string* v = event->FindExtra(r.from)) {
      const std::string copy = *v;
      event->Set(r.to, copy);
    }
  }
}

}  // namespace otasuke::agent::readers
