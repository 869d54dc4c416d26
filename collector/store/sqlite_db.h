#pragma once
// A thin RAII layer over the SQLite C API that turns result codes into absl::Status with the
// statement and SQLite's own message. Statements are cached per connection (one connection is
// only ever used by one thread at a time), so hot ingest statements are prepared once.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace otasuke::collector {

// A prepared statement borrowed from a connection's cache. Reset and unbound when it goes out of
// scope, so the next user finds it clean.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  ~Stmt();

  // Parameters are 1-based as in SQLite.
  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view text);
  Stmt& BindBlob(int index, std::string_view bytes);
  // As Bind / BindBlob without SQLite's copy: the bytes must stay valid and unchanged until this
  // Stmt is destroyed or Reset (the writer binds views into an IngestBatch that outlives it).
  Stmt& BindStatic(int index, std::string_view text);
  Stmt& BindBlobStatic(int index, std::string_view bytes);
  Stmt& BindNull(int index);

  // True while a row is available; false when done.
  absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows.
  absl::Status Run();
  // Makes the statement ready to be bound and run again.
  void Reset();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  struct Options {
    bool read_only = false;
    absl::Duration busy_timeout = absl::Seconds(5);
    // PRAGMA synchronous=FULL (the WAL is synced at every commit: a commit survives a power
    // cut) instead of NORMAL (synced at checkpoints only: a commit survives a crash of the
    // process, but a power cut may lose the commits since the last checkpoint).
    bool sync_every_commit = false;
  };

  // Opens (creating unless read_only) a database in WAL mode with foreign keys on.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                        const Options& options);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return no rows.
  absl::Status Exec(std::string_view sql);
  // A cached prepared statement. `sql` must outlive the connection (a string literal).
  absl::StatusOr<Stmt> Prepare(const char* sql);
  int64_t LastInsertRowId() const;
  int Changes() const;
  // PRAGMA data_version: changes when another connection (of this process or another) has
  // committed since the last call; this connection's own commits leave it unchanged.
  absl::StatusOr<int64_t> DataVersion();

  // Replaces SQLite's automatic checkpoint (run by the committing thread) with `hook`, called
  // after each commit with the number of pages in the write-ahead log.
  void SetWalHook(std::function<void(int wal_pages)> hook);
  // Copies what it can of the write-ahead log into the database without waiting for readers
  // or writers (SQLITE_CHECKPOINT_PASSIVE).
  absl::Status CheckpointPassive();
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  absl::Status Error(std::string_view what) const;
  absl::Status Checkpoint(int mode);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  std::function<void(int)> wal_hook_;
};

// Runs `body` in one BEGIN IMMEDIATE transaction on `db`; rolls back when it fails. For the
// console-rate modules with their own connection (work orders, tenancy).
absl::Status InImmediateTransaction(SqliteDb& db, const std::function<absl::Status()>& body);

// Stored times are Unix microseconds.
inline int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
inline absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

}  // namespace otasuke::collector
