#include "collector/ctl/commands/commands.h"

namespace otasuke::ctl {
namespace {

// ADD NEW COMMAND GROUPS HERE (and their declaration in commands.h).
constexpr std::span<const Command> (*kGroups[])() = {
    AgentCommands,     AlertCommands, IncidentCommands,    RuleCommands,
    WorkOrderCommands, TokenCommands, EnrollTokenCommands,
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
