#pragma once
// The agent's offline subcommands. Each engine implements its own; this is the one list the
// agent's main() dispatches through. argv[0] is the subcommand name.

#include <string_view>

namespace otasuke::agent {

struct Subcommand {
  std::string_view name;
  std::string_view usage;
  int (*run)(int argc, const char* const* argv);
};

// ADD NEW SUBCOMMANDS HERE (subcommands.cc).
const Subcommand* FindSubcommand(std::string_view name);
// Usage lines of every subcommand, for --help.
std::string_view SubcommandsUsage();

}  // namespace otasuke::agent
