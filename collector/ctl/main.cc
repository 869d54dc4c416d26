// otasukectl: the helper team's command line for the collector. The commands are listed in
// commands/commands.cc, one group per file; docs/OTASUKECTL.md describes each.

#include "collector/ctl/command_line.h"
#include "collector/ctl/commands/commands.h"

int main(int argc, char** argv) {
  std::vector<otasuke::ctl::Command> commands = otasuke::ctl::BuiltinCommands();
  return otasuke::ctl::RunCommandLine(commands, argc, argv);
}
