#include "agent/pipeline/sqlite_alert_spool.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace otasuke::agent {
namespace {

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS spool(sequence INTEGER PRIMARY KEY, severity INTEGER NOT NULL,"
    " body BLOB NOT NULL)";
// A damaged file is probed at most this many times past unreadable regions, and no further
// than this many sequences past the last readable row.
constexpr int kMaxSalvageProbes = 256;
constexpr uint64_t kMaxSalvageSkip = 1 << 16;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

absl::Status SqlError(sqlite3* db, const char* what) {
  return absl::InternalError(absl::StrCat(what, ": ", sqlite3_errmsg(db)));
}

absl::StatusOr<DbPtr> OpenDb(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", path, ": ", raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

absl::Status Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status status = absl::InternalError(absl::StrCat(sql, ": ", error ? error : "?"));
    sqlite3_free(error);
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<StmtPtr> Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return SqlError(db, sql);
  }
  return StmtPtr(raw);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

bool ValidSeverity(int64_t s) {
  return s >= otasuke::v1::Severity_MIN && s <= otasuke::v1::Severity_MAX;
}

// Returns what is wrong with the spool file at `path`, or "" when it is sound.
std::string CheckFile(const std::string& path) {
  absl::StatusOr<DbPtr> db = OpenDb(path, SQLITE_OPEN_READWRITE);
  if (!db.ok()) return std::string(db.status().message());
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db->get(), "PRAGMA quick_check", -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return sqlite3_errmsg(db->get());
  }
  StmtPtr check(raw);
  const int rc = sqlite3_step(check.get());
  if (rc != SQLITE_ROW) return sqlite3_errmsg(db->get());
  const char* verdict = reinterpret_cast<const char*>(sqlite3_column_text(check.get(), 0));
  if (verdict == nullptr || std::string_view(verdict) != "ok") {
    return absl::StrCat("quick_check: ", verdict ? verdict : "no answer");
  }
  check.reset();
  // A sound SQLite file that is not a spool (or has no table yet) is fine only when empty.
  if (sqlite3_prepare_v2(db->get(), "SELECT sequence, severity, body FROM spool LIMIT 0", -1, &raw,
                         nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db->get());
    sqlite3_finalize(raw);
    StmtPtr tables(nullptr);
    if (sqlite3_prepare_v2(db->get(), "SELECT count(*) FROM sqlite_schema", -1, &raw, nullptr) ==
        SQLITE_OK) {
      tables.reset(raw);
      if (sqlite3_step(raw) == SQLITE_ROW && sqlite3_column_int64(raw, 0) == 0) return "";
    }
    return absl::StrCat("not a spool: ", why);
  }
  sqlite3_finalize(raw);
  return "";
}

// A truncated file is shorter than its header says; SQLite then refuses the whole file. Padding
// it back with zero pages (unreadable, skipped by Salvage) makes the pages before the cut
// readable again.
void PadTruncatedFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r+b");
  if (f == nullptr) return;
  unsigned char header[100];
  if (std::fread(header, 1, sizeof(header), f) == sizeof(header) &&
      std::memcmp(header, "SQLite format 3", 16) == 0) {
    uint64_t page_size = (uint64_t{header[16]} << 8) | header[17];
    if (page_size == 1) page_size = 65536;
    const uint64_t pages = (uint64_t{header[28]} << 24) | (uint64_t{header[29]} << 16) |
                           (uint64_t{header[30]} << 8) | header[31];
    const uint64_t want = page_size * pages;
    // Only pad within reason: a damaged header could claim terabytes.
    if (want > FileSize(path) && want <= FileSize(path) * 4 + (64 << 20)) {
      if (::truncate(path.c_str(), static_cast<off_t>(want)) != 0) {
        LOG_WARN("cannot pad truncated spool %s", path);
      }
    }
  }
  std::fclose(f);
}

// Copies every row still readable in the damaged file `from` into `to` (one transaction).
// Returns how many records or unreadable regions were lost; `detail` gets the reasons.
uint64_t Salvage(const std::string& from, sqlite3* to, std::string* detail) {
  PadTruncatedFile(from);
  absl::StatusOr<DbPtr> src = OpenDb(from, SQLITE_OPEN_READONLY);
  if (!src.ok()) {
    absl::StrAppend(detail, "; nothing readable: ", src.status().message());
    return 1;
  }
  absl::StatusOr<StmtPtr> insert =
      Prepare(to, "INSERT OR IGNORE INTO spool(sequence, severity, body) VALUES(?1, ?2, ?3)");
  if (!insert.ok() || !Exec(to, "BEGIN").ok()) {
    absl::StrAppend(detail, "; cannot write the new spool");
    return 1;
  }
  uint64_t lost = 0;
  uint64_t after = 0;
  uint64_t skip = 1;
  bool in_damage = false;
  for (int attempt = 0; attempt < kMaxSalvageProbes; ++attempt) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(src->get(),
                           "SELECT sequence, severity, body FROM spool WHERE sequence > ?1"
                           " ORDER BY sequence",
                           -1, &raw, nullptr) != SQLITE_OK) {
      sqlite3_finalize(raw);
      absl::StrAppend(detail, "; table unreadable: ", sqlite3_errmsg(src->get()));
      ++lost;
      break;
    }
    StmtPtr scan(raw);
    sqlite3_bind_int64(raw, 1, static_cast<int64_t>(after));
    int rc;
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
      const int64_t seq = sqlite3_column_int64(raw, 0);
      const int64_t severity = sqlite3_column_int64(raw, 1);
      const void* body = sqlite3_column_blob(raw, 2);
      const int size = sqlite3_column_bytes(raw, 2);
      in_damage = false;
      skip = 1;
      if (seq <= 0 || !ValidSeverity(severity) || size <= 0) {
        ++lost;
        if (seq > 0) after = static_cast<uint64_t>(seq);
        continue;
      }
      after = static_cast<uint64_t>(seq);
      sqlite3_stmt* ins = insert->get();
      sqlite3_reset(ins);
      sqlite3_bind_int64(ins, 1, seq);
      sqlite3_bind_int64(ins, 2, severity);
      sqlite3_bind_blob(ins, 3, body, size, SQLITE_TRANSIENT);
      if (sqlite3_step(ins) != SQLITE_DONE) ++lost;
    }
    if (rc == SQLITE_DONE) break;
    // An unreadable region (counted once, however many probes it takes): probe past it,
    // further each time, up to kMaxSalvageSkip sequences beyond the last readable row.
    if (!in_damage) {
      ++lost;
      absl::StrAppend(detail, "; unreadable after sequence ", after, ": ",
                      sqlite3_errmsg(src->get()));
      in_damage = true;
    }
    if (skip > kMaxSalvageSkip) break;
    after += skip;
    skip *= 2;
  }
  if (!Exec(to, "COMMIT").ok()) {
    absl::StrAppend(detail, "; cannot commit the salvaged rows");
    ++lost;
  }
  return lost;
}

absl::Status InitSchema(sqlite3* db, bool fsync_every_commit) {
  RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(
      Exec(db, fsync_every_commit ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  // The WAL is truncated back to this after checkpoints, so the budget bounds the disk use.
  RETURN_IF_ERROR(Exec(db, "PRAGMA journal_size_limit=8388608"));
  return Exec(db, kSchema);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteAlertSpool>> SqliteAlertSpool::Open(
    const std::string& path, SqliteSpoolOptions options) {
  SpoolRecovery recovery;
  std::string corrupt_path;
  if (Exists(path)) {
    std::string problem = CheckFile(path);
    if (!problem.empty()) {
      // Keep the damaged file for the responder (only the latest), start a fresh one.
      corrupt_path = path + ".corrupt";
      LOG_ERROR("alert spool %s is damaged (%s): moved to %s, recovering what is readable", path,
                problem, corrupt_path);
      ::unlink((corrupt_path + "-wal").c_str());
      ::unlink((corrupt_path + "-shm").c_str());
      if (std::rename(path.c_str(), corrupt_path.c_str()) != 0) {
        return absl::UnavailableError(absl::StrCat("cannot move damaged spool ", path, " aside"));
      }
      std::rename((path + "-wal").c_str(), (corrupt_path + "-wal").c_str());
      ::unlink((path + "-shm").c_str());
      recovery.detail = problem;
    }
  }
  ASSIGN_OR_RETURN(DbPtr db, OpenDb(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  sqlite3_busy_timeout(db.get(), 5000);
  RETURN_IF_ERROR(InitSchema(db.get(), options.fsync_every_commit));
  if (!corrupt_path.empty()) {
    recovery.lost = Salvage(corrupt_path, db.get(), &recovery.detail);
  }
  ASSIGN_OR_RETURN(StmtPtr count, Prepare(db.get(), "SELECT count(*) FROM spool"));
  if (sqlite3_step(count.get()) == SQLITE_ROW) {
    recovery.entries = static_cast<uint64_t>(sqlite3_column_int64(count.get(), 0));
  }
  count.reset();
  if (!corrupt_path.empty()) {
    LOG_WARN("alert spool %s: %d alerts recovered, at least %d lost (%s)", path, recovery.entries,
             recovery.lost, recovery.detail);
  }
  return std::unique_ptr<SqliteAlertSpool>(
      new SqliteAlertSpool(path, db.release(), std::move(recovery)));
}

SqliteAlertSpool::~SqliteAlertSpool() {
  absl::MutexLock lock(&mu_);
  sqlite3_close_v2(db_);
}

absl::StatusOr<std::vector<SpoolEntry>> SqliteAlertSpool::ListEntries() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(StmtPtr stmt, Prepare(db_,
                                         "SELECT sequence, severity, length(body) FROM spool"
                                         " ORDER BY sequence"));
  std::vector<SpoolEntry> entries;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const int64_t severity = sqlite3_column_int64(stmt.get(), 1);
    entries.push_back(SpoolEntry{
        .sequence = static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 0)),
        .severity = ValidSeverity(severity) ? static_cast<otasuke::v1::Severity>(severity)
                                            : otasuke::v1::SEVERITY_UNSPECIFIED,
        .bytes = static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 2))});
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "listing the spool");
  return entries;
}

absl::Status SqliteAlertSpool::Apply(const SpoolCommit& commit) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  absl::Status status = ApplyLocked(commit);
  if (status.ok()) status = Exec(db_, "COMMIT");
  if (!status.ok()) Exec(db_, "ROLLBACK").IgnoreError();
  return status;
}

absl::Status SqliteAlertSpool::ApplyLocked(const SpoolCommit& commit) {
  if (!commit.append.empty()) {
    ASSIGN_OR_RETURN(StmtPtr insert,
                     Prepare(db_, "INSERT INTO spool(sequence, severity, body) VALUES(?1,?2,?3)"));
    for (const SpooledAlert& alert : commit.append) {
      sqlite3_reset(insert.get());
      sqlite3_bind_int64(insert.get(), 1, static_cast<int64_t>(alert.sequence));
      sqlite3_bind_int64(insert.get(), 2, alert.severity);
      sqlite3_bind_blob(insert.get(), 3, alert.body.data(), static_cast<int>(alert.body.size()),
                        SQLITE_STATIC);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) return SqlError(db_, "spooling an alert");
    }
  }
  if (!commit.remove.empty()) {
    ASSIGN_OR_RETURN(StmtPtr remove, Prepare(db_, "DELETE FROM spool WHERE sequence = ?1"));
    for (uint64_t seq : commit.remove) {
      sqlite3_reset(remove.get());
      sqlite3_bind_int64(remove.get(), 1, static_cast<int64_t>(seq));
      if (sqlite3_step(remove.get()) != SQLITE_DONE) return SqlError(db_, "evicting an alert");
    }
  }
  if (commit.remove_through > 0) {
    ASSIGN_OR_RETURN(StmtPtr acked, Prepare(db_, "DELETE FROM spool WHERE sequence <= ?1"));
    sqlite3_bind_int64(acked.get(), 1, static_cast<int64_t>(commit.remove_through));
    if (sqlite3_step(acked.get()) != SQLITE_DONE) return SqlError(db_, "deleting acked alerts");
  }
  return absl::OkStatus();
}

absl::Status SqliteAlertSpool::ReadRange(uint64_t first, uint64_t last,
                                         std::vector<SpooledAlert>* out) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(StmtPtr stmt, Prepare(db_,
                                         "SELECT sequence, severity, body FROM spool"
                                         " WHERE sequence BETWEEN ?1 AND ?2 ORDER BY sequence"));
  sqlite3_bind_int64(stmt.get(), 1, static_cast<int64_t>(first));
  sqlite3_bind_int64(stmt.get(), 2, static_cast<int64_t>(last));
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    SpooledAlert& alert = out->emplace_back();
    alert.sequence = static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 0));
    const int64_t severity = sqlite3_column_int64(stmt.get(), 1);
    alert.severity = ValidSeverity(severity) ? static_cast<otasuke::v1::Severity>(severity)
                                             : otasuke::v1::SEVERITY_UNSPECIFIED;
    const void* body = sqlite3_column_blob(stmt.get(), 2);
    if (body != nullptr) {
      alert.body.assign(static_cast<const char*>(body),
                        static_cast<size_t>(sqlite3_column_bytes(stmt.get(), 2)));
    }
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "reading the spool");
  return absl::OkStatus();
}

uint64_t SqliteAlertSpool::DiskBytes() const { return FileSize(path_) + FileSize(path_ + "-wal"); }

}  // namespace otasuke::agent
