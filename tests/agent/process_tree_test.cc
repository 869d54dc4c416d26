// The process tree and image hasher behind the process source: ancestry across fork / exec /
// exit, bounds, and Sysmon-style hashes cached by file identity.

#include "agent/sources/proc_connector/process_tree.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <iterator>

#include "absl/time/clock.h"
#include "agent/sources/proc_connector/image_hasher.h"
#include "common/sha256.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

ProcessInfo Info(pid_t ppid, std::string image, std::string command_line = "") {
  ProcessInfo info;
  info.ppid = ppid;
  info.have_status = true;
  info.image = std::move(image);
  info.command_line = std::move(command_line);
  info.user = "alice";
  return info;
}

TEST(ProcessTreeTest, AncestryFollowsForkAndExec) {
  ProcessTree tree;
  tree.OnExec(1, Info(0, "/sbin/init"));
  tree.OnExec(100, Info(1, "/usr/sbin/sshd"));
  tree.OnFork(100, 200);
  tree.OnExec(200, Info(100, "/bin/bash", "-bash"));
  tree.OnFork(200, 300);
  tree.OnExec(300, Info(200, "/usr/bin/curl", "curl -o /tmp/x http://bad"));
  std::string ancestry;
  tree.Ancestry(300, 8, &ancestry);
  EXPECT_EQ(ancestry, "/bin/bash | /usr/sbin/sshd | /sbin/init");
  tree.Ancestry(300, 2, &ancestry);
  EXPECT_EQ(ancestry, "/bin/bash | /usr/sbin/sshd");
  tree.Ancestry(1, 8, &ancestry);
  EXPECT_EQ(ancestry, "");
}

TEST(ProcessTreeTest, ForkedChildRunsParentImageUntilExec) {
  ProcessTree tree;
  tree.OnExec(10, Info(1, "/bin/bash", "bash script.sh"));
  tree.OnFork(10, 11);
  const ProcessNode* child = tree.Find(11);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->ppid, 10);
  EXPECT_EQ(child->image, "/bin/bash");
  EXPECT_EQ(child->user, "alice");
}

TEST(ProcessTreeTest, ExecOfVanishedProcessKeepsParentAndForgetsOldImage) {
  ProcessTree tree;
  tree.OnExec(10, Info(1, "/bin/bash"));
  tree.OnFork(10, 11);
  ProcessInfo gone;  // /proc had nothing: the process already exited
  tree.OnExec(11, gone);
  const ProcessNode* node = tree.Find(11);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->ppid, 10);   // from the fork
  EXPECT_EQ(node->image, "");  // unknown rather than the parent's
  std::string ancestry;
  tree.Ancestry(11, 8, &ancestry);
  EXPECT_EQ(ancestry, "/bin/bash");
}

TEST(ProcessTreeTest, ExitForgetsTheProcess) {
  ProcessTree tree;
  tree.OnExec(10, Info(1, "/bin/bash"));
  tree.OnExit(10);
  EXPECT_EQ(tree.Find(10), nullptr);
  EXPECT_EQ(tree.size(), 0u);
}

TEST(ProcessTreeTest, CycleFromPidReuseEnds) {
  ProcessTree tree;
  tree.OnExec(20, Info(21, "/a"));
  tree.OnExec(21, Info(20, "/b"));
  std::string ancestry;
  tree.Ancestry(20, 8, &ancestry);
  EXPECT_EQ(ancestry, "/b");
}

TEST(ProcessTreeTest, BoundedWithOldestEvictedFirst) {
  ProcessTree tree(/*capacity=*/10);
  for (pid_t pid = 1; pid <= 25; ++pid) {
    ProcessInfo info = Info(1, "/bin/x");
    info.start_ticks = static_cast<uint64_t>(pid);
    tree.OnExec(pid, info);
  }
  EXPECT_LE(tree.size(), 10u);
  EXPECT_GT(tree.evictions(), 0u);
  EXPECT_NE(tree.Find(25), nullptr);  // the newest survive
  EXPECT_EQ(tree.Find(2), nullptr);
}

TEST(ProcessTreeTest, SeedReadsThisProcessFromProc) {
  ProcessTree tree;
  tree.Seed(ProcReader());
  const ProcessNode* self = tree.Find(::getpid());
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_GT(self->start_ticks, 0u);
}

TEST(ProcReaderTest, StartTicksSurviveParenthesesInTheCommandName) {
  // Field 22 (starttime) after a command name that itself holds ") (" and a space.
  const std::string stat =
      "42 (a) (b c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 123 4 ...";
  EXPECT_EQ(ParseStartTicks(stat), 987654u);
  EXPECT_EQ(ParseStartTicks("garbage"), 0u);
  EXPECT_EQ(ParseStartTicks("1 (x) S 1"), 0u);
}

std::string Expected(const std::string& content) {
  std::string hex = Sha256Hex(content);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "SHA256=" + hex;
}

TEST(ImageHasherTest, HashesLikeSysmonAndCachesByFileIdentity) {
  otasuke::testing::TempDir dir;
  const std::string path = dir.file("tool");
  std::ofstream(path) << "first version";
  ImageHasher hasher;
  std::string hash;
  ASSERT_TRUE(hasher.HashOfPath(path, &hash));
  EXPECT_EQ(hash, Expected("first version"));
  ASSERT_TRUE(hasher.HashOfPath(path, &hash));
  EXPECT_EQ(hasher.stats().hashed, 1u);
  EXPECT_EQ(hasher.stats().cache_hits, 1u);

  // Replaced in place (size and mtime change): hashed again, not served stale.
  std::ofstream(path, std::ios::trunc) << "second, longer version";
  ASSERT_TRUE(hasher.HashOfPath(path, &hash));
  EXPECT_EQ(hash, Expected("second, longer version"));
  EXPECT_EQ(hasher.stats().hashed, 2u);
}

TEST(ImageHasherTest, HashesTheRunningImageEvenAfterItWasDeleted) {
  otasuke::testing::TempDir dir;
  const std::string copy = dir.file("dropper");
  {
    std::ifstream in("/bin/sleep", std::ios::binary);
    std::ofstream out(copy, std::ios::binary);
    out << in.rdbuf();
  }
  ASSERT_EQ(::chmod(copy.c_str(), 0755), 0);
  std::string content;
  {
    std::ifstream in(copy, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), {});
  }
  pid_t child = ::fork();
  if (child == 0) {
    ::execl(copy.c_str(), copy.c_str(), "5", nullptr);
    ::_exit(127);
  }
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_EQ(::unlink(copy.c_str()), 0);
  ImageHasher hasher;
  std::string hash;
  EXPECT_TRUE(hasher.HashOf(child, &hash));
  EXPECT_EQ(hash, Expected(content));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

TEST(ImageHasherTest, LimitsAndMissingFilesAreCountedNotFatal) {
  otasuke::testing::TempDir dir;
  const std::string path = dir.file("big");
  std::ofstream(path) << std::string(4096, 'x');
  ImageHasher hasher("/proc", /*max_bytes=*/1024);
  std::string hash;
  EXPECT_FALSE(hasher.HashOfPath(path, &hash));
  EXPECT_EQ(hasher.stats().too_large, 1u);
  EXPECT_FALSE(hasher.HashOfPath(dir.file("missing"), &hash));
  EXPECT_FALSE(hasher.HashOf(999999999, &hash));
  EXPECT_EQ(hasher.stats().unreadable, 2u);
  EXPECT_FALSE(hasher.HashOfPath(dir.path(), &hash));  // a directory is not an image
}

}  // namespace
}  // namespace otasuke::agent
