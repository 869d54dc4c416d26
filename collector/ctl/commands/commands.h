#pragma once
// The built-in otasukectl commands: one group per file in this directory, each returning its
// commands; commands.cc lists the groups. A new command group is a new file and one line there.

#include <span>
#include <vector>

#include "collector/ctl/command.h"

namespace otasuke::ctl {

std::span<const Command> AgentCommands();
std::span<const Command> AlertCommands();
std::span<const Command> AuditCommands();
std::span<const Command> EnrollTokenCommands();
std::span<const Command> IncidentCommands();
std::span<const Command> NotificationCommands();
std::span<const Command> ReportCommands();
std::span<const Command> ResponderCommands();
std::span<const Command> RotaCommands();
std::span<const Command> RuleCommands();
std::span<const Command> TenantCommands();
std::span<const Command> TokenCommands();
std::span<const Command> WorkOrderCommands();

// Every built-in command, group by group in the order of the list (the usage text follows it).
std::vector<Command> BuiltinCommands();

}  // namespace otasuke::ctl
