#include "collector/ctl/commands/commands.h"

namespace otasuke::ctl {
namespace {

// ADD NEW COMMAND GROUPS HERE (and their declaration in commands.h).
constexpr std::span<const Command> (*kGroups[])() = {
    AgentCommands,         // agents list | revoke
    AlertCommands,         // alerts list
    AuditCommands,         // audit list
    IncidentCommands,      // incidents list | show | ack | assign | note | advance | resolve ...
    NotificationCommands,  // notifications list
    RuleCommands,          // rules push
    WorkOrderCommands,     // workorders open | list | show | advance
    ReportCommands,        // reports monthly | kpis
    TenantCommands,        // tenants create | update | show | list | import, regions set | list
    ResponderCommands,     // responders create | update | show | list
    RotaCommands,          // rota add | remove | list | oncall
    TokenCommands,         // tokens create | list | revoke
    EnrollTokenCommands,   // enroll-tokens create | list
};

}  // namespace

std::vector<Command> BuiltinCommands() {
  std::vector<Command> all;
  for (auto group : kGroups) {
    for (const Command& command : group()) all.push_back(command);
  }
  return all;
}

}  // namespace otasuke::ctl
