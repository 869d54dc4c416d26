#include <poll.h>

#include <thread>

#include "common/cli.h"
#include "common/sha256.h"
#include "common/snapshot.h"
#include "common/stop_event_fd.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace otasuke {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;

TEST(CliTest, ParsesEveryFlagKindAndPositionals) {
  bool strict = false;
  std::string eve;
  int64_t limit = 5;
  std::vector<std::string> rules;
  const cli::FlagSpec specs[] = {
      {.name = "strict", .help = "fail on skips", .target = &strict},
      {.name = "eve", .value_name = "FILE", .help = "EVE output", .target = &eve},
      {.name = "limit", .value_name = "N", .help = "at most", .target = &limit},
      {.name = "rules", .value_name = "PATH", .help = "rules", .target = &rules},
  };
  const char* argv[] = {"cmd",     "a.pcap", "--strict",    "--eve=out.json",
                        "--rules", "r1",     "--rules=r2",  "--limit",
                        "9",       "--",     "--not-a-flag"};
  const std::string help = cli::FlagsHelp(specs);  // before parsing, as every caller does
  auto pos = cli::ParseFlags(specs, 11, argv, 1);
  ASSERT_THAT(pos, IsOk());
  EXPECT_EQ(*pos, (std::vector<std::string>{"a.pcap", "--not-a-flag"}));
  EXPECT_TRUE(strict);
  EXPECT_EQ(eve, "out.json");
  EXPECT_EQ(limit, 9);
  EXPECT_EQ(rules, (std::vector<std::string>{"r1", "r2"}));
  EXPECT_NE(help.find("--eve FILE"), std::string::npos);
  EXPECT_NE(help.find("(default: 5)"), std::string::npos);
  EXPECT_EQ(help.find("(default: true)"), std::string::npos) << help;  // --strict is off
}

TEST(CliTest, ErrorsNameTheFlag) {
  int64_t limit = 0;
  std::string eve;
  const cli::FlagSpec specs[] = {
      {.name = "limit", .value_name = "N", .help = "", .target = &limit},
      {.name = "eve", .value_name = "FILE", .help = "", .target = &eve},
  };
  const char* bad_int[] = {"cmd", "--limit", "ten"};
  EXPECT_THAT(cli::ParseFlags(specs, 3, bad_int, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "--limit: expected an integer"));
  const char* unknown[] = {"cmd", "--nope"};
  EXPECT_THAT(cli::ParseFlags(specs, 2, unknown, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown flag '--nope'"));
  const char* missing[] = {"cmd", "--eve"};
  EXPECT_THAT(cli::ParseFlags(specs, 2, missing, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "--eve needs a value (FILE)"));
}

TEST(UuidTest, RandomVersion4) {
  std::string a = NewUuid(), b = NewUuid();
  EXPECT_TRUE(IsUuid(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(a[14], '4');
  EXPECT_FALSE(IsUuid("not-a-uuid"));
}

// Alert ids sort by creation time (the collector's UUID index then grows at its end): the first
// 48 bits are the Unix milliseconds, then the version, the random bits and the variant.
TEST(UuidTest, TimeOrderedVersion7) {
  const absl::Time t = absl::FromUnixMillis(0x0123456789ab);
  std::string a = NewUuidV7(t), b = NewUuidV7(t);
  EXPECT_TRUE(IsUuid(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 13), "01234567-89ab");
  EXPECT_EQ(a[14], '7');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
  EXPECT_LT(NewUuidV7(t), NewUuidV7(t + absl::Milliseconds(1)));
  EXPECT_LT(NewUuidV7(absl::FromUnixSeconds(1700000000)),
            NewUuidV7(absl::FromUnixSeconds(1800000000)));
}

TEST(Sha256Test, KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SnapshotTest, ReadersSeeNewVersionsAndOldOnesLiveWhileHeld) {
  Snapshot<std::string> snap(std::make_shared<const std::string>("v1"));
  SnapshotReader<std::string> reader(snap);
  EXPECT_EQ(*reader.Get(), "v1");
  auto held = reader.shared();
  snap.Publish(std::make_shared<const std::string>("v2"));
  EXPECT_EQ(*reader.Get(), "v2");
  EXPECT_EQ(*held, "v1");
}

TEST(SnapshotTest, ConcurrentPublishAndRead) {
  Snapshot<int> snap(std::make_shared<const int>(0));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= 2000; ++i) snap.Publish(std::make_shared<const int>(i));
    done = true;
  });
  SnapshotReader<int> reader(snap);
  int last = 0;
  while (!done) {
    int v = *reader.Get();
    EXPECT_GE(v, last) << "versions only move forward";
    last = v;
  }
  writer.join();
  EXPECT_EQ(*reader.Get(), 2000);
}

bool Readable(int fd, int timeout_ms) {
  pollfd pfd{.fd = fd, .events = POLLIN, .revents = 0};
  return ::poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN) != 0;
}

TEST(StopEventFdTest, ReadableOnceStopIsRequestedFromAnotherThread) {
  std::stop_source source;
  StopEventFd stopped(source.get_token());
  ASSERT_GE(stopped.fd(), 0);
  EXPECT_FALSE(Readable(stopped.fd(), 0));
  std::thread stopper([&] { source.request_stop(); });
  EXPECT_TRUE(Readable(stopped.fd(), 10'000));  // a blocked poll() wakes
  stopper.join();
}

TEST(StopEventFdTest, AlreadyStoppedTokenIsReadableAtOnce) {
  std::stop_source source;
  source.request_stop();
  StopEventFd stopped(source.get_token());
  EXPECT_TRUE(Readable(stopped.fd(), 0));
}

TEST(StopEventFdTest, StopAfterDestructionTouchesNothing) {
  std::stop_source source;
  { StopEventFd stopped(source.get_token()); }
  source.request_stop();  // the callback is gone with the object
}

}  // namespace
}  // namespace otasuke
