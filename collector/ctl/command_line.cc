#include "collector/ctl/command_line.h"

#include <algorithm>
#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/ctl/connection.h"
#include "collector/ctl/invocation.h"
#include "common/strings.h"

namespace otasuke::ctl {
namespace {

const cli::FlagSpec* FindFlag(const std::vector<cli::FlagSpec>& flags, std::string_view name) {
  for (const cli::FlagSpec& flag : flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

}  // namespace

std::string Usage(std::span<const Command> commands) {
  std::string out =
      "usage: otasukectl [--collector HOST:PORT] [--token-file F] [--ca-file CA | --insecure] "
      "NOUN VERB [ARGS] [flags]\n\nThe helper team's command line for an Otasuke "
      "collector.\n\nCommands:\n";
  size_t width = 0;
  std::vector<std::string> heads;
  for (const Command& command : commands) {
    heads.push_back(absl::StrCat(Sv(command.noun), " ", Sv(command.verb),
                                 command.args.empty() ? "" : " ", Sv(command.args)));
    width = std::max(width, heads.back().size());
  }
  for (size_t i = 0; i < commands.size(); ++i) {
    absl::StrAppend(&out, "  ", heads[i], std::string(width + 2 - heads[i].size(), ' '),
                    Sv(commands[i].summary), "\n");
  }
  CommonOptions defaults = DefaultCommonOptions();
  absl::StrAppend(&out,
                  "\n'otasukectl NOUN VERB --help' lists a command's own flags.\n\nCommon flags "
                  "(before or after the command words):\n",
                  cli::FlagsHelp(CommonFlags(defaults)),
                  "\nEnvironment: OTASUKE_COLLECTOR sets the default --collector; "
                  "OTASUKE_TOKEN or\nOTASUKE_TOKEN_FILE the console token (after --token and "
                  "--token-file);\nOTASUKE_CA_FILE the collector CA (after --ca-file).\n"
                  "Exit status: 0 ok, 1 refused by the collector, 2 usage, 3 collector "
                  "unreachable.\n");
  return out;
}

int RunCommandLine(std::span<const Command> commands, int argc, const char* const* argv) {
  CommonOptions common = DefaultCommonOptions();
  const std::vector<cli::FlagSpec> common_flags = CommonFlags(common);
  // Everything but the command words goes to the command, which parses it with its own flags.
  std::vector<std::string> rest;
  std::vector<std::string> words;
  int i = 1;
  for (; i < argc && words.size() < 2; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "help") {
      std::cout << Usage(commands);
      return kExitOk;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      words.emplace_back(arg);
      continue;
    }
    // A flag before the command words must be a common one: only those are known here.
    std::string_view name = arg.substr(arg.starts_with("--") ? 2 : 1);
    const bool has_value = name.find('=') != std::string_view::npos;
    name = name.substr(0, name.find('='));
    const cli::FlagSpec* flag = FindFlag(common_flags, name);
    if (flag == nullptr) {
      std::cerr << "otasukectl: unknown flag '--" << name
                << "' before the command (a command's own flags go after its words, as in "
                   "'otasukectl agents list --tenant T')\n\n"
                << Usage(commands);
      return kExitUsage;
    }
    rest.emplace_back(arg);
    if (!has_value && !std::holds_alternative<bool*>(flag->target) && i + 1 < argc) {
      rest.emplace_back(argv[++i]);
    }
  }
  if (words.empty()) {
    std::cerr << Usage(commands);
    return kExitUsage;
  }
  for (; i < argc; ++i) rest.emplace_back(argv[i]);
  const Command* command = nullptr;
  std::vector<std::string> verbs;
  for (const Command& candidate : commands) {
    if (candidate.noun != words[0]) continue;
    verbs.emplace_back(candidate.verb);
    if (words.size() == 2 && candidate.verb == words[1]) command = &candidate;
  }
  if (command == nullptr) {
    std::cerr << "otasukectl: unknown command '" << absl::StrJoin(words, " ") << "'"
              << (verbs.empty()
                      ? ""
                      : absl::StrCat(" (", words[0], ": ", absl::StrJoin(verbs, ", "), ")"))
              << "\n\n"
              << Usage(commands);
    return kExitUsage;
  }
  Invocation invocation(*command, std::move(common), std::move(rest));
  return command->run(invocation);
}

}  // namespace otasuke::ctl
