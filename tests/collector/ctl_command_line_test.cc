// otasukectl's command line: finding the command, where flags may go, help and usage errors, and
// the built-in command list. Commands here are fakes that record what they were given; the real
// commands run against a real collector in collector_process_test.

#include <set>

#include "collector/ctl/command_line.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/invocation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace otasuke::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

struct Seen {
  std::string tenant;
  std::string collector;
  std::vector<std::string> args;
  bool json = false;
};
Seen seen;

int FakeShow(Invocation& in) {
  if (auto stop = in.Parse({TenantFlag(&seen.tenant)}, {.min = 1, .max = 1})) return *stop;
  seen.collector = in.common().collector;
  seen.args = in.args();
  seen.json = in.json();
  return 42;
}

constexpr Command kFakes[] = {
    {.noun = "things", .verb = "show", .args = "ID", .summary = "Show a thing.", .run = FakeShow},
};

int RunCtl(std::vector<const char*> args) {
  seen = {};
  args.insert(args.begin(), "otasukectl");
  return RunCommandLine(kFakes, static_cast<int>(args.size()), args.data());
}

TEST(CtlCommandLineTest, CommonFlagsGoBeforeOrAfterTheCommandWords) {
  EXPECT_EQ(RunCtl({"--collector", "127.0.0.1:1", "--insecure", "things", "show", "7", "--tenant",
                    "sme-a", "--json"}),
            42);
  EXPECT_EQ(seen.collector, "127.0.0.1:1");
  EXPECT_EQ(seen.tenant, "sme-a");
  EXPECT_THAT(seen.args, ElementsAre("7"));
  EXPECT_TRUE(seen.json);
  EXPECT_EQ(RunCtl({"things", "show", "--collector=127.0.0.1:2", "--insecure", "8"}), 42);
  EXPECT_EQ(seen.collector, "127.0.0.1:2");
  EXPECT_THAT(seen.args, ElementsAre("8"));
}

TEST(CtlCommandLineTest, BadCommandLinesAreUsageErrors) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunCtl({"--tenant", "x", "things", "show", "1"}),
            kExitUsage);  // command flag too early
  EXPECT_EQ(RunCtl({"things", "drop", "1"}), kExitUsage);
  EXPECT_EQ(RunCtl({"things", "show", "--insecure"}), kExitUsage);  // no ID
  EXPECT_EQ(RunCtl({"things", "show", "1", "2", "--insecure"}), kExitUsage);
  EXPECT_EQ(RunCtl({"things", "show", "1", "--bogus"}), kExitUsage);
  EXPECT_EQ(RunCtl({"things", "show", "1", "--collector", "192.0.2.1:7443", "--insecure"}),
            kExitUsage);  // plaintext off loopback
  EXPECT_EQ(RunCtl({}), kExitUsage);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, HasSubstr("unknown flag '--tenant' before the command"));
  EXPECT_THAT(err, HasSubstr("unknown command 'things drop' (things: show)"));
  EXPECT_THAT(err, HasSubstr("usage: otasukectl things show ID"));
  EXPECT_THAT(err, HasSubstr("things show: unknown flag '--bogus'"));
  EXPECT_THAT(err, HasSubstr("--insecure is allowed only with a loopback collector"));
}

TEST(CtlCommandLineTest, HelpListsCommandsAndACommandsOwnFlags) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunCtl({"--help"}), kExitOk);
  EXPECT_EQ(RunCtl({"things", "show", "--help"}), kExitOk);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, HasSubstr("things show ID  Show a thing."));
  EXPECT_THAT(out, HasSubstr("usage: otasukectl things show ID [flags]"));
  EXPECT_THAT(out, HasSubstr("--tenant T"));
}

TEST(CtlCommandLineTest, HelpShowsDefaultsNotTheValuesGiven) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunCtl({"things", "show", "--tenant", "sme-given", "--json", "--help"}), kExitOk);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, HasSubstr("--tenant T"));
  EXPECT_THAT(out, Not(HasSubstr("sme-given")));
  EXPECT_THAT(out, Not(HasSubstr("(default: true)")));  // neither --help nor --json
}

TEST(CtlCommandLineTest, BuiltinCommandsAreUniqueAndDescribed) {
  std::set<std::pair<std::string_view, std::string_view>> names;
  for (const Command& command : BuiltinCommands()) {
    EXPECT_TRUE(names.insert({command.noun, command.verb}).second)
        << command.noun << " " << command.verb << " is listed twice";
    EXPECT_FALSE(command.summary.empty()) << command.noun << " " << command.verb;
    EXPECT_NE(command.run, nullptr);
  }
  EXPECT_TRUE(names.contains({"agents", "list"}));
  EXPECT_TRUE(names.contains({"workorders", "advance"}));
}

}  // namespace
}  // namespace otasuke::ctl
