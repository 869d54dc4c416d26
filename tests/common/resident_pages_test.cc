#include "common/resident_pages.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "common/files.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace otasuke {
namespace {

using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;

constexpr char kSmaps[] =
    "55d5a0000000-55d5a0200000 r-xp 00001000 08:01 1234   /usr/bin/agent\n"
    "Size:               2048 kB\n"
    "Rss:                 812 kB\n"
    "Anonymous:             0 kB\n"
    "Locked:                0 kB\n"
    "THPeligible:    0\n"
    "VmFlags: rd ex mr mw me sd\n"
    "55d5a0200000-55d5a0210000 r--p 00201000 08:01 1234   /usr/bin/agent\n"
    "Rss:                  64 kB\n"
    "Anonymous:            64 kB\n"
    "7f0000000000-7f0000100000 rw-p 00000000 00:00 0\n"
    "Rss:                 400 kB\n"
    "Anonymous:           400 kB\n"
    "7f0000100000-7f0000101000 r--s 00000000 00:05 99     /dev/shm/x (deleted)\n"
    "Rss:                   4 kB\n"
    "Anonymous:             0 kB\n"
    "Locked:                4 kB\n";

TEST(ResidentPagesTest, ParsesMappingsAndTheirSizes) {
  auto mappings = ParseSmaps(kSmaps);
  ASSERT_THAT(mappings, IsOk());
  ASSERT_EQ(mappings->size(), 4u);
  const SmapsMapping& text = (*mappings)[0];
  EXPECT_EQ(text.start, 0x55d5a0000000u);
  EXPECT_EQ(text.end, 0x55d5a0200000u);
  EXPECT_TRUE(text.readable);
  EXPECT_FALSE(text.writable);
  EXPECT_TRUE(text.file_backed);
  EXPECT_EQ(text.rss_kb, 812u);
  EXPECT_EQ(text.anonymous_kb, 0u);
  EXPECT_EQ((*mappings)[1].anonymous_kb, 64u);
  EXPECT_FALSE((*mappings)[2].file_backed);
  EXPECT_EQ((*mappings)[3].locked_kb, 4u);
}

TEST(ResidentPagesTest, OnlyCleanReadOnlyFileMappingsAreReleasable) {
  auto mappings = ParseSmaps(kSmaps);
  ASSERT_THAT(mappings, IsOk());
  EXPECT_TRUE(Releasable((*mappings)[0]));   // program text, never written
  EXPECT_FALSE(Releasable((*mappings)[1]));  // relocated RELRO: private copies would be lost
  EXPECT_FALSE(Releasable((*mappings)[2]));  // heap
  EXPECT_FALSE(Releasable((*mappings)[3]));  // locked
  SmapsMapping not_resident = (*mappings)[0];
  not_resident.rss_kb = 0;
  EXPECT_FALSE(Releasable(not_resident));
}

TEST(ResidentPagesTest, RejectsTextThatIsNotSmapsNamingTheLine) {
  EXPECT_THAT(ParseSmaps("Rss: 4 kB\n"), StatusIs(absl::StatusCode::kInvalidArgument, "line 1"));
  EXPECT_THAT(ParseSmaps("55d5a0000000-55d5a0200000 r-xp\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "line 1"));
  EXPECT_THAT(ParseSmaps("7f00-6f00 r-xp 0 08:01 1 /x\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, ""));
  EXPECT_THAT(ParseSmaps("zz-7f00 r-xp 0 08:01 1 /x\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, ""));
  auto empty = ParseSmaps("");
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->empty());
}

// The kernel's own smaps of this process parses, and lists this test's text.
TEST(ResidentPagesTest, ParsesThisProcessSmaps) {
  auto smaps = ReadFile("/proc/self/smaps");
  ASSERT_THAT(smaps, IsOk());
  auto mappings = ParseSmaps(*smaps);
  ASSERT_THAT(mappings, IsOk());
  const auto here = reinterpret_cast<uintptr_t>(&ParseSmaps);
  bool found = false;
  for (const SmapsMapping& m : *mappings) {
    if (here >= m.start && here < m.end) found = m.file_backed && !m.writable;
  }
  EXPECT_TRUE(found);
}

// A real release: a file mapped read-only and read is resident; after the release it is not,
// its contents read back unchanged, and a private copy-on-write mapping keeps its private data.
TEST(ResidentPagesTest, ReleasesCleanFileMappingsAndKeepsPrivateCopies) {
  const std::string path = ::testing::TempDir() + "/resident_pages_test.bin";
  const size_t size = 64 * 4096;
  {
    std::ofstream out(path, std::ios::binary);
    for (size_t i = 0; i < size; ++i) out.put(static_cast<char>('a' + i % 26));
  }
  const int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto* clean = static_cast<unsigned char*>(mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0));
  ASSERT_NE(clean, MAP_FAILED);
  auto* copied =
      static_cast<unsigned char*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
  ASSERT_NE(copied, MAP_FAILED);
  copied[0] = 'Z';
  ASSERT_EQ(mprotect(copied, size, PROT_READ), 0);  // read-only now, but holds a private page
  unsigned sum = 0;
  for (size_t i = 0; i < size; i += 4096) sum += clean[i];

  auto resident_pages = [&](void* addr) {
    // This process's resident size of the mapping (mincore would report the page cache).
    auto mappings = ParseSmaps(*ReadFile("/proc/self/smaps"));
    for (const SmapsMapping& m : *mappings) {
      if (m.start == reinterpret_cast<uintptr_t>(addr)) return m.rss_kb;
    }
    return size_t{0};
  };
  EXPECT_EQ(resident_pages(clean), size / 1024);

  auto released = ReleaseStartupPages();
  ASSERT_THAT(released, IsOk());
  EXPECT_GT(released->mappings, 0u);
  EXPECT_GE(released->resident_kb, size / 1024);
  EXPECT_EQ(resident_pages(clean), 0u);

  unsigned again = 0;
  for (size_t i = 0; i < size; i += 4096) again += clean[i];
  EXPECT_EQ(again, sum);
  EXPECT_EQ(clean[27], 'b');
  EXPECT_EQ(copied[0], 'Z');  // the private copy survived
  EXPECT_EQ(copied[1], 'b');
  munmap(clean, size);
  munmap(copied, size);
  close(fd);
  unlink(path.c_str());
}

}  // namespace
}  // namespace otasuke
