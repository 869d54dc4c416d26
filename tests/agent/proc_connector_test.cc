// The proc connector source against the real kernel: runs a real process and expects its
// exec event with /proc enrichment. Needs CAP_NET_ADMIN (root); skipped otherwise.

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "agent/sources/proc_connector/proc_connector_source.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

struct Seen {
  std::string image, command_line, parent_image, user, cwd, pid, ppid, hashes, ancestors, guid;
};

class CollectingHandler final : public EventHandler {
 public:
  void OnEvent(const Event& e) override {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(e.source().category, "process_creation");
    ASSERT_EQ(e.source().product, "linux");
    events.push_back(Seen{
        std::string(e.Get(FieldId::kImage)), std::string(e.Get(FieldId::kCommandLine)),
        std::string(e.Get(FieldId::kParentImage)), std::string(e.Get(FieldId::kUser)),
        std::string(e.Get(FieldId::kCurrentDirectory)), std::string(e.Get(FieldId::kProcessId)),
        std::string(e.Get(FieldId::kParentProcessId)), std::string(e.Get(FieldId::kHashes)),
        std::string(e.Get(FieldId::kAncestors)), std::string(e.Get(FieldId::kProcessGuid))});
  }
  absl::Mutex mu;
  std::vector<Seen> events ABSL_GUARDED_BY(mu);
};

TEST(ProcConnectorSourceTest, SeesARealExecWithEnrichment) {
  ProcConnectorSource source;
  absl::Status opened = source.Open();
  if (!opened.ok()) GTEST_SKIP() << "proc connector unavailable here: " << opened;
  CollectingHandler handler;
  std::jthread runner([&](std::stop_token stop) { ASSERT_TRUE(source.Run(handler, stop).ok()); });
  absl::SleepFor(absl::Milliseconds(100));

  otasuke::testing::TempDir dir;
  const std::string script = dir.file("otasuke-probe.sh");
  std::ofstream(script) << "#!/bin/sh\nsleep 0.3\n";
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::chdir(dir.path().c_str());
    ::execl(script.c_str(), script.c_str(), "marker-arg-42", nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);

  bool found = false;
  for (int i = 0; i < 100 && !found; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    absl::MutexLock lock(&handler.mu);
    for (const Seen& s : handler.events) {
      if (s.command_line.find("marker-arg-42") != std::string::npos) {
        found = true;
        // The kernel runs the script through its interpreter.
        EXPECT_NE(s.image.find("sh"), std::string::npos) << s.image;
        EXPECT_NE(s.command_line.find(script), std::string::npos) << s.command_line;
        EXPECT_EQ(s.cwd, dir.path());
        EXPECT_EQ(s.pid, std::to_string(child));
        EXPECT_FALSE(s.user.empty());
        EXPECT_FALSE(s.parent_image.empty());
        EXPECT_EQ(s.ppid, std::to_string(::getpid()));
        // Sysmon's form, from the image the process runs (the interpreter, cached).
        EXPECT_EQ(s.hashes.rfind("SHA256=", 0), 0u) << s.hashes;
        EXPECT_EQ(s.hashes.size(), 7u + 64u) << s.hashes;
        // The test binary forked the probe: it is the nearest ancestor.
        EXPECT_NE(s.ancestors.find("agent_proc_connector_test"), std::string::npos) << s.ancestors;
        EXPECT_NE(s.guid.find("-" + s.pid + "-"), std::string::npos) << s.guid;
      }
    }
  }
  EXPECT_TRUE(found) << "no exec event for the probe script";
  EXPECT_GE(source.stats().events, 1u);
}

// A process that is gone before /proc is read still yields an event: simulated by a /proc
// root with nothing in it, while the kernel's fork/exec notifications are real.
TEST(ProcConnectorSourceTest, VanishedProcessStillYieldsAnEventWithItsParent) {
  otasuke::testing::TempDir empty_proc;
  ProcConnectorSource source(empty_proc.path());
  absl::Status opened = source.Open();
  if (!opened.ok()) GTEST_SKIP() << "proc connector unavailable here: " << opened;
  CollectingHandler handler;
  std::jthread runner([&](std::stop_token stop) { ASSERT_TRUE(source.Run(handler, stop).ok()); });
  absl::SleepFor(absl::Milliseconds(100));
  pid_t child = ::fork();
  if (child == 0) {
    ::execl("/bin/true", "/bin/true", nullptr);
    ::_exit(127);
  }
  ::waitpid(child, nullptr, 0);
  bool found = false;
  for (int i = 0; i < 100 && !found; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    absl::MutexLock lock(&handler.mu);
    for (const Seen& s : handler.events) {
      if (s.pid != std::to_string(child)) continue;
      found = true;
      EXPECT_EQ(s.image, "");
      EXPECT_EQ(s.ppid, std::to_string(::getpid()));  // known from the fork notification
    }
  }
  EXPECT_TRUE(found) << "no event for the vanished process";
  EXPECT_GE(source.stats().partial, 1u);
}

TEST(ProcReaderTest, ReadsThisProcess) {
  ProcReader reader;
  ProcessInfo info;
  ASSERT_TRUE(reader.Read(::getpid(), &info));
  EXPECT_TRUE(info.complete());
  EXPECT_EQ(info.ppid, ::getppid());
  EXPECT_NE(info.command_line.find("agent"), std::string::npos) << info.command_line;
}

TEST(ProcReaderTest, VanishedProcessIsNotAnError) {
  ProcReader reader;
  ProcessInfo info;
  EXPECT_FALSE(reader.Read(999999999, &info));
  EXPECT_FALSE(info.complete());
}

TEST(ProcReaderTest, ReadsThisProcessUserAndDirectory) {
  ProcReader reader;
  ProcessInfo info;
  ASSERT_TRUE(reader.Read(::getpid(), &info));
  EXPECT_EQ(info.uid, ::getuid());
  EXPECT_EQ(info.user, UserName(::getuid()));
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(info.current_directory, cwd);
  EXPECT_GT(info.start_ticks, 0u);
}

TEST(UserNameCacheTest, RemembersNamesForItsTtlThenLooksThemUpAgain) {
  UserNameCache cache(absl::Seconds(60));
  const absl::Time t0 = absl::FromUnixSeconds(1'000'000);
  EXPECT_EQ(cache.Name(0, t0), "root");
  const std::string* first = &cache.Name(0, t0 + absl::Seconds(59));
  EXPECT_EQ(*first, "root");
  EXPECT_EQ(cache.Name(0, t0 + absl::Seconds(61)), "root");  // looked up again, same answer
  // A uid without a passwd entry is named by its number, as Sysmon for Linux does.
  EXPECT_EQ(cache.Name(4'000'000'000u, t0), "4000000000");
  // Thousands of distinct uids (containers) do not grow it without bound, and still answer.
  for (uid_t uid = 100'000; uid < 105'000; ++uid) cache.Name(uid, t0);
  EXPECT_EQ(cache.Name(0, t0), "root");
}

TEST(ProcReaderTest, JoinsArgvLikeSysmonForLinux) {
  std::string out;
  JoinArgv(std::string_view("sh\0-c\0echo hi\0", 15), &out);
  EXPECT_EQ(out, "sh -c echo hi");
}

}  // namespace
}  // namespace otasuke::agent
