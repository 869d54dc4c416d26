// DropPrivileges in a forked child (the test runner stays root): the child switches to
// `nobody`, checks what the kernel says about it and reports through its exit code.

#include "common/privileges.h"

#include <linux/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <thread>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace otasuke {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;

// Runs `body` in a forked child; returns its exit code (0: every check passed).
int InChild(const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(LookUpUserTest, NamesTheMissingUserAndHowToCreateIt) {
  EXPECT_THAT(LookUpUser("otasuke-no-such-user"),
              StatusIs(absl::StatusCode::kNotFound, "useradd --system"));
  EXPECT_THAT(LookUpUser(""), StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
  absl::StatusOr<UserIds> root = LookUpUser("root");
  ASSERT_THAT(root, IsOk());
  EXPECT_EQ(root->uid, 0u);
}

TEST(CapabilityNamesTest, ListsKernelNames) {
  EXPECT_EQ(CapabilityNames(0), "none");
  EXPECT_EQ(CapabilityNames(CapabilityBit(CAP_NET_ADMIN) | CapabilityBit(CAP_SYS_PTRACE)),
            "CAP_NET_ADMIN,CAP_SYS_PTRACE");
}

TEST(ReadProcessCredentialsTest, ReadsThisProcess) {
  absl::StatusOr<ProcessCredentials> creds = ReadProcessCredentials(::getpid());
  ASSERT_THAT(creds, IsOk());
  EXPECT_EQ(creds->uid, ::getuid());
  EXPECT_GE(creds->threads, 1);
  EXPECT_THAT(ReadProcessCredentials(-1), StatusIs(absl::StatusCode::kNotFound, "/proc/-1"));
}

class DropPrivilegesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (CI runs tests as root)";
    absl::StatusOr<UserIds> nobody = LookUpUser("nobody");
    if (!nobody.ok()) GTEST_SKIP() << "no 'nobody' account on this machine";
    nobody_ = *nobody;
  }
  UserIds nobody_;
};

TEST_F(DropPrivilegesTest, BecomesTheUserKeepingOnlyTheNamedCapabilities) {
  const CapabilityMask keep = CapabilityBit(CAP_NET_RAW);
  EXPECT_EQ(InChild([&] {
              if (!DropPrivileges({.user = "nobody", .keep = keep}).ok()) return 1;
              absl::StatusOr<ProcessCredentials> c = ReadProcessCredentials(::getpid());
              if (!c.ok()) return 2;
              if (c->uid != nobody_.uid || c->euid != nobody_.uid || c->suid != nobody_.uid) {
                return 3;
              }
              if (c->gid != nobody_.gid || c->egid != nobody_.gid) return 4;
              if (c->cap_effective != keep || c->cap_permitted != keep) return 5;
              if (c->cap_bounding != keep || c->cap_ambient != 0) return 6;
              if (!c->no_new_privs) return 7;
              if (::setuid(0) == 0 || ::setgid(0) == 0) return 8;
              return 0;
            }),
            0);
}

TEST_F(DropPrivilegesTest, EmptyKeepClearsEveryCapabilityEvenWithThreads) {
  EXPECT_EQ(InChild([&] {
              std::thread other([] { ::pause(); });
              other.detach();
              if (!DropPrivileges({.user = "nobody", .keep = 0}).ok()) return 1;
              absl::StatusOr<ProcessCredentials> c = ReadProcessCredentials(::getpid());
              if (!c.ok() || c->uid != nobody_.uid) return 2;
              return c->cap_effective == 0 && c->cap_permitted == 0 ? 0 : 3;
            }),
            0);
}

TEST_F(DropPrivilegesTest, RefusesToKeepCapabilitiesOnceThreadsRunWithoutNoNewPrivs) {
  EXPECT_EQ(InChild([&] {
              std::thread other([] { ::pause(); });
              other.detach();
              absl::Status s =
                  DropPrivileges({.user = "nobody", .keep = CapabilityBit(CAP_NET_RAW)});
              if (s.code() != absl::StatusCode::kFailedPrecondition) return 1;
              return ::geteuid() == 0 ? 0 : 2;  // nothing changed
            }),
            0);
}

TEST_F(DropPrivilegesTest, KeepsCapabilitiesWithThreadsThatInheritedNoNewPrivs) {
  EXPECT_EQ(InChild([&] {
              if (!SetNoNewPrivileges().ok()) return 1;
              std::thread other([] { ::pause(); });
              other.detach();
              const CapabilityMask keep = CapabilityBit(CAP_NET_RAW);
              if (!DropPrivileges({.user = "nobody", .keep = keep}).ok()) return 2;
              absl::StatusOr<ProcessCredentials> c = ReadProcessCredentials(::getpid());
              return c.ok() && c->cap_permitted == keep ? 0 : 3;
            }),
            0);
}

TEST_F(DropPrivilegesTest, GivesTheListedPathsToTheUser) {
  char tmpl[] = "/tmp/otasuke-priv-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::FILE* f = std::fopen((dir + "/state.json").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_EQ(InChild([&] {
              if (!DropPrivileges({.user = "nobody", .chown = {dir}}).ok()) return 1;
              std::FILE* out = std::fopen((dir + "/state.json").c_str(), "w");
              if (out == nullptr) return 2;
              std::fclose(out);
              return 0;
            }),
            0);
  std::remove((dir + "/state.json").c_str());
  ::rmdir(dir.c_str());
}

TEST_F(DropPrivilegesTest, RefusesRootAndUnknownUsers) {
  EXPECT_THAT(DropPrivileges({.user = "root"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unprivileged account"));
  EXPECT_THAT(DropPrivileges({.user = "otasuke-no-such-user"}),
              StatusIs(absl::StatusCode::kNotFound, "does not exist"));
}

}  // namespace
}  // namespace otasuke
