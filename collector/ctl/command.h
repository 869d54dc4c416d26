#pragma once
// One otasukectl command ("agents list"): its two words, its arguments and summary for the
// usage text, and the function that runs it. Each command group lists its commands in a file of
// its own under commands/; commands/commands.cc is the one list of groups (as Snort 3 lists its
// IPS options and git its built-ins), so adding a command is one file and one line there.

#include <span>
#include <string_view>

namespace otasuke::ctl {

// Exit status of otasukectl, the same for every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the collector refused or failed the request
inline constexpr int kExitUsage = 2;   // bad flags or arguments, unreadable local files
inline constexpr int kExitUnreachable = 3;

class Invocation;

struct Command {
  std::string_view noun;
  std::string_view verb;
  std::string_view args;  // positional arguments for the usage line ("ID"); empty: none
  std::string_view summary;
  // Parses its flags through the invocation (Invocation::Parse), calls the collector and prints.
  int (*run)(Invocation& invocation);
};

}  // namespace otasuke::ctl
