// The SQLite spool on real files: commits, reads, deletes, reopening, and damaged files
// (garbage, truncated, overwritten pages, a foreign database): opening never fails on the
// content, keeps every readable row, counts the loss and keeps the damaged file aside.

#include "agent/pipeline/sqlite_alert_spool.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

using ::otasuke::testing::TempDir;

std::string Body(uint64_t seq, size_t size = 200) {
  otasuke::v1::Alert alert;
  alert.set_sequence(seq);
  alert.set_title(std::string(size, 'a' + static_cast<char>(seq % 26)));
  return alert.SerializeAsString();
}

SpoolCommit Appending(uint64_t first, uint64_t last, size_t size = 200) {
  SpoolCommit commit;
  for (uint64_t s = first; s <= last; ++s) {
    commit.append.push_back(
        {.sequence = s, .severity = otasuke::v1::SEVERITY_HIGH, .body = Body(s, size)});
  }
  return commit;
}

std::vector<uint64_t> Sequences(AlertSpool& spool) {
  absl::StatusOr<std::vector<SpoolEntry>> entries = spool.ListEntries();
  std::vector<uint64_t> seqs;
  if (!entries.ok()) return seqs;
  for (const SpoolEntry& e : *entries) seqs.push_back(e.sequence);
  return seqs;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

class SqliteAlertSpoolTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_.file("alert-spool.db"); }
  // A closed spool file with `n` alerts, checkpointed into the main file.
  void WriteSpool(uint64_t n, size_t size = 200) {
    auto spool = *SqliteAlertSpool::Open(path());
    ASSERT_TRUE(spool->Apply(Appending(1, n, size)).ok());
  }
  TempDir dir_;
};

TEST_F(SqliteAlertSpoolTest, AppliesReadsAndDeletes) {
  auto spool = *SqliteAlertSpool::Open(path());
  ASSERT_TRUE(spool->Apply(Appending(1, 10)).ok());
  std::vector<SpooledAlert> read;
  ASSERT_TRUE(spool->ReadRange(3, 5, &read).ok());
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[0].sequence, 3u);
  EXPECT_EQ(read[2].body, Body(5));
  EXPECT_EQ(read[1].severity, otasuke::v1::SEVERITY_HIGH);

  SpoolCommit commit;
  commit.remove = {7, 9};
  commit.remove_through = 4;
  ASSERT_TRUE(spool->Apply(commit).ok());
  EXPECT_EQ(Sequences(*spool), (std::vector<uint64_t>{5, 6, 8, 10}));
  absl::StatusOr<std::vector<SpoolEntry>> entries = spool->ListEntries();
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->front().bytes, Body(5).size());
  EXPECT_GT(spool->DiskBytes(), 0u);
}

TEST_F(SqliteAlertSpoolTest, AFailedCommitChangesNothing) {
  auto spool = *SqliteAlertSpool::Open(path());
  ASSERT_TRUE(spool->Apply(Appending(1, 3)).ok());
  // Sequence 2 exists: the whole commit (4 and 2) is rolled back.
  SpoolCommit commit = Appending(4, 4);
  commit.append.push_back({.sequence = 2, .body = "x"});
  EXPECT_FALSE(spool->Apply(commit).ok());
  EXPECT_EQ(Sequences(*spool), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(SqliteAlertSpoolTest, KeepsEverythingAcrossReopen) {
  WriteSpool(100);
  auto spool = *SqliteAlertSpool::Open(path());
  EXPECT_EQ(spool->recovery().entries, 100u);
  EXPECT_EQ(spool->recovery().lost, 0u);
  EXPECT_TRUE(spool->recovery().detail.empty());
  EXPECT_EQ(Sequences(*spool).size(), 100u);
  EXPECT_FALSE(Exists(path() + ".corrupt"));
}

TEST_F(SqliteAlertSpoolTest, AnEmptyFileIsANewSpool) {
  std::ofstream(path()).close();
  auto spool = SqliteAlertSpool::Open(path());
  ASSERT_TRUE(spool.ok()) << spool.status();
  EXPECT_EQ((*spool)->recovery().lost, 0u);
  EXPECT_TRUE((*spool)->Apply(Appending(1, 1)).ok());
}

TEST_F(SqliteAlertSpoolTest, GarbageFileIsSetAsideAndCounted) {
  std::ofstream(path()) << std::string(10000, '\x5a');
  auto spool = SqliteAlertSpool::Open(path());
  ASSERT_TRUE(spool.ok()) << spool.status();
  EXPECT_EQ((*spool)->recovery().entries, 0u);
  EXPECT_GE((*spool)->recovery().lost, 1u);
  EXPECT_NE((*spool)->recovery().detail.find("not a database"), std::string::npos)
      << (*spool)->recovery().detail;
  EXPECT_TRUE(Exists(path() + ".corrupt"));
  EXPECT_TRUE((*spool)->Apply(Appending(1, 1)).ok()) << "the fresh spool works";
}

TEST_F(SqliteAlertSpoolTest, TruncatedFileKeepsTheReadableRows) {
  WriteSpool(2000, 500);
  struct stat st;
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  ASSERT_EQ(::truncate(path().c_str(), st.st_size / 2), 0);
  auto spool = SqliteAlertSpool::Open(path());
  ASSERT_TRUE(spool.ok()) << spool.status();
  const SpoolRecovery& r = (*spool)->recovery();
  EXPECT_GE(r.lost, 1u) << r.detail;
  EXPECT_GT(r.entries, 0u) << r.detail;
  EXPECT_LT(r.entries, 2000u);
  // What was kept is intact.
  std::vector<SpooledAlert> read;
  ASSERT_TRUE((*spool)->ReadRange(0, 5000, &read).ok());
  ASSERT_EQ(read.size(), r.entries);
  for (const SpooledAlert& a : read) EXPECT_EQ(a.body, Body(a.sequence, 500));
}

TEST_F(SqliteAlertSpoolTest, OverwrittenPagesInTheMiddleAreSkipped) {
  WriteSpool(2000, 500);
  {
    std::fstream f(path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(300 * 1024);
    const std::string junk(3 * 4096, '\xa5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto spool = SqliteAlertSpool::Open(path());
  ASSERT_TRUE(spool.ok()) << spool.status();
  const SpoolRecovery& r = (*spool)->recovery();
  EXPECT_GE(r.lost, 1u);
  EXPECT_GT(r.entries, 1000u) << "rows after the damage are recovered too: " << r.detail;
  std::vector<SpooledAlert> read;
  ASSERT_TRUE((*spool)->ReadRange(0, 5000, &read).ok());
  for (const SpooledAlert& a : read) EXPECT_EQ(a.body, Body(a.sequence, 500));
}

TEST_F(SqliteAlertSpoolTest, AForeignDatabaseIsNotTakenForASpool) {
  { auto spool = *SqliteAlertSpool::Open(path()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE spool; CREATE TABLE other(x)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto spool = SqliteAlertSpool::Open(path());
  ASSERT_TRUE(spool.ok()) << spool.status();
  EXPECT_NE((*spool)->recovery().detail.find("not a spool"), std::string::npos)
      << (*spool)->recovery().detail;
  EXPECT_TRUE((*spool)->Apply(Appending(1, 1)).ok());
}

TEST_F(SqliteAlertSpoolTest, AnUnwritableDirectoryIsAnError) {
  auto spool = SqliteAlertSpool::Open(dir_.file("missing/dir/alert-spool.db"));
  EXPECT_FALSE(spool.ok());
}

}  // namespace
}  // namespace otasuke::agent
