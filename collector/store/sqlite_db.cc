#include "collector/store/sqlite_db.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindStatic(int index, std::string_view text) {
  // A null pointer would bind NULL, not ''.
  sqlite3_bind_text(stmt_, index, text.data() != nullptr ? text.data() : "",
                    static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

Stmt& Stmt::BindBlobStatic(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data() != nullptr ? bytes.data() : "",
                    static_cast<int>(bytes.size()), SQLITE_STATIC);
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

absl::StatusOr<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  std::string message =
      absl::StrCat("sqlite: ", sqlite3_errmsg(db), " (in: ", sqlite3_sql(stmt_), ")");
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return absl::UnavailableError(message);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return absl::AlreadyExistsError(message);
  return absl::InternalError(message);
}

absl::Status Stmt::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  return absl::OkStatus();
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Stmt::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}

std::string Stmt::Blob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  if (blob == nullptr) return "";
  return std::string(static_cast<const char*>(blob), sqlite3_column_bytes(stmt_, column));
}

bool Stmt::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path,
                                                         const Options& options) {
  sqlite3* raw = nullptr;
  int flags =
      SQLITE_OPEN_NOMUTEX |
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = absl::StrCat("cannot open database ", path, ": ",
                                       raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    sqlite3_close(raw);
    return absl::UnavailableError(message);
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_busy_timeout(raw, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  sqlite3_extended_result_codes(raw, 1);
  if (!options.read_only) {
    // WAL lets console reads run beside the writer. Either sync mode keeps the file
    // consistent; they differ in whether a power cut can lose the last commits (Options).
    // A 32 MiB page cache keeps the alert indexes of a large batch in memory. Pages of 8 KiB
    // (a new database only; an existing file keeps its size) halve the B-tree pages an ingest
    // transaction touches: 16 % less SQLite CPU per alert (docs/PERFORMANCE.md).
    absl::Status status = db->Exec(
        absl::StrCat("PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=",
                     options.sync_every_commit ? "FULL" : "NORMAL", "; PRAGMA cache_size=-32768;"));
    if (!status.ok()) return status;
  }
  absl::Status status = db->Exec("PRAGMA foreign_keys=ON;");
  if (!status.ok()) return status;
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

absl::Status SqliteDb::Error(std::string_view what) const {
  return absl::InternalError(
      absl::StrCat("sqlite (", path_, "): ", sqlite3_errmsg(db_), " in: ", Sv(what)));
}

absl::Status SqliteDb::Exec(std::string_view sql) {
  std::string owned(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message =
        absl::StrCat("sqlite (", path_, "): ", error != nullptr ? error : sqlite3_errstr(rc));
    sqlite3_free(error);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return absl::UnavailableError(message);
    return absl::InternalError(message);
  }
  return absl::OkStatus();
}

absl::StatusOr<Stmt> SqliteDb::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(it->second);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return Error(sql);
  }
  cache_.emplace(sql, stmt);
  return Stmt(stmt);
}

void SqliteDb::SetWalHook(std::function<void(int wal_pages)> hook) {
  wal_hook_ = std::move(hook);
  sqlite3_wal_hook(
      db_,
      +[](void* self, sqlite3*, const char*, int pages) -> int {
        static_cast<SqliteDb*>(self)->wal_hook_(pages);
        return SQLITE_OK;
      },
      this);
}

absl::Status SqliteDb::Checkpoint(int mode) {
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, mode, nullptr, nullptr);
  if (rc == SQLITE_OK) return absl::OkStatus();
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    return absl::UnavailableError(
        absl::StrCat("sqlite (", path_, "): checkpoint busy: ", sqlite3_errmsg(db_)));
  }
  return Error("wal checkpoint");
}

absl::Status SqliteDb::CheckpointPassive() { return Checkpoint(SQLITE_CHECKPOINT_PASSIVE); }

int64_t SqliteDb::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDb::Changes() const { return sqlite3_changes(db_); }

absl::StatusOr<int64_t> SqliteDb::DataVersion() {
  ASSIGN_OR_RETURN(Stmt stmt, Prepare("PRAGMA data_version"));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Error("PRAGMA data_version");
  return stmt.Int(0);
}

absl::Status InImmediateTransaction(SqliteDb& db, const std::function<absl::Status()>& body) {
  absl::Status begin = db.Exec("BEGIN IMMEDIATE");
  if (!begin.ok()) return begin;
  absl::Status status = body();
  if (!status.ok()) {
    (void)db.Exec("ROLLBACK");
    return status;
  }
  return db.Exec("COMMIT");
}

}  // namespace otasuke::collector
