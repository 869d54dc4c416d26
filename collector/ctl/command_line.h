#pragma once
// otasukectl's command line: finds the command named by the first two words (common flags may
// come before them), hands it every other argument, and prints the overall usage.
//
//   otasukectl [common flags] NOUN VERB [ARGS] [flags]

#include <span>
#include <string>

#include "collector/ctl/command.h"

namespace otasuke::ctl {

// Runs the command argv names among `commands`; returns the exit status.
int RunCommandLine(std::span<const Command> commands, int argc, const char* const* argv);

// The overall usage text: every command with its summary, then the common flags.
std::string Usage(std::span<const Command> commands);

}  // namespace otasuke::ctl
