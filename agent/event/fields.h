#pragma once
// The descriptor table of event fields. Names follow Sysmon (and Sysmon for Linux), as Sigma
// rules expect. This one table drives event parsing, `otasuke-agent --list-fields` and
// docs/FIELDS.md; a field is added here and nowhere else.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace otasuke::agent {

enum class FieldType : uint8_t { kString, kInteger, kIp, kPath, kHashes };

// X(id, name, type, description)
#define OTASUKE_EVENT_FIELDS(X)                                                             \
  X(kImage, "Image", kPath, "Absolute path of the process executable")                      \
  X(kCommandLine, "CommandLine", kString, "Full command line of the process")               \
  X(kCurrentDirectory, "CurrentDirectory", kPath, "Working directory of the process")       \
  X(kUser, "User", kString, "Account name the process runs as")                             \
  X(kUserId, "UserId", kInteger, "Numeric user id (Linux)")                                 \
  X(kProcessId, "ProcessId", kInteger, "Process id")                                        \
  X(kProcessGuid, "ProcessGuid", kString, "Stable process identity (boot id, pid, start)")  \
  X(kParentImage, "ParentImage", kPath, "Executable of the parent process")                 \
  X(kParentCommandLine, "ParentCommandLine", kString, "Command line of the parent process") \
  X(kParentProcessId, "ParentProcessId", kInteger, "Parent process id")                     \
  X(kParentUser, "ParentUser", kString, "Account name of the parent process")               \
  X(kAncestors, "Ancestors", kString, "Ancestor images, nearest first, ' | '-separated")    \
  X(kOriginalFileName, "OriginalFileName", kString, "PE original file name (Windows)")      \
  X(kProduct, "Product", kString, "PE product name (Windows)")                              \
  X(kDescription, "Description", kString, "PE description (Windows)")                       \
  X(kCompany, "Company", kString, "PE company (Windows)")                                   \
  X(kFileVersion, "FileVersion", kString, "PE file version (Windows)")                      \
  X(kIntegrityLevel, "IntegrityLevel", kString, "Process integrity level (Windows)")        \
  X(kLogonId, "LogonId", kString, "Logon session id of the process (Windows)")              \
  X(kHashes, "Hashes", kHashes, "Image hashes, e.g. SHA256=...")                            \
  X(kProtocol, "Protocol", kString, "Transport protocol: tcp or udp")                       \
  X(kInitiated, "Initiated", kString, "true if this host opened the connection")            \
  X(kSourceIp, "SourceIp", kIp, "Local address of a connection")                            \
  X(kSourcePort, "SourcePort", kInteger, "Local port of a connection")                      \
  X(kSourceHostname, "SourceHostname", kString, "Local host name")                          \
  X(kDestinationIp, "DestinationIp", kIp, "Remote address of a connection")                 \
  X(kDestinationPort, "DestinationPort", kInteger, "Remote port of a connection")           \
  X(kDestinationHostname, "DestinationHostname", kString, "Remote host name, if resolved")  \
  X(kDestinationIsIpv6, "DestinationIsIpv6", kString, "true for IPv6 destinations")         \
  X(kCommunityId, "CommunityId", kString, "Community ID flow hash (joins network alerts)")  \
  X(kQueryName, "QueryName", kString, "DNS query name")                                     \
  X(kQueryResults, "QueryResults", kString, "DNS answers")                                  \
  X(kQueryStatus, "QueryStatus", kString, "DNS response code")                              \
  X(kTargetFilename, "TargetFilename", kPath, "File created or written")                    \
  X(kTargetObject, "TargetObject", kString, "Registry key (Windows)")                       \
  X(kDetails, "Details", kString, "Registry value data (Windows)")                          \
  X(kImageLoaded, "ImageLoaded", kPath, "Module loaded into a process")                     \
  X(kEventId, "EventID", kInteger, "Windows event id")                                      \
  X(kChannel, "Channel", kString, "Windows event log channel")                              \
  X(kProviderName, "Provider_Name", kString, "Windows event provider")                      \
  X(kComputer, "Computer", kString, "Host name the event was recorded on")

enum class FieldId : uint8_t {
#define OTASUKE_FIELD_ENUM(id, name, type, desc) id,
  OTASUKE_EVENT_FIELDS(OTASUKE_FIELD_ENUM)
#undef OTASUKE_FIELD_ENUM
      kCount
};

inline constexpr size_t kFieldCount = static_cast<size_t>(FieldId::kCount);

struct FieldDescriptor {
  FieldId id;
  std::string_view name;
  FieldType type;
  std::string_view description;
};

inline constexpr std::array<FieldDescriptor, kFieldCount> kFieldTable = {{
#define OTASUKE_FIELD_DESC(ident, text, kind, desc) \
  {.id = FieldId::ident, .name = text, .type = FieldType::kind, .description = desc},
    OTASUKE_EVENT_FIELDS(OTASUKE_FIELD_DESC)
#undef OTASUKE_FIELD_DESC
}};

inline constexpr const FieldDescriptor& Describe(FieldId id) {
  return kFieldTable[static_cast<size_t>(id)];
}

// Exact, case-sensitive lookup by Sysmon name. Not for hot paths: rules resolve names once.
std::optional<FieldId> FindField(std::string_view name);

}  // namespace otasuke::agent
