#pragma once
// Versioned schema migrations for the collector's SQLite database. Each migration runs once, in
// order, inside its own transaction, and is recorded in schema_migrations; a database written by
// a newer collector (an unknown version) is refused rather than guessed at.

#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "collector/store/sqlite_db.h"

namespace otasuke::collector {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
  // Rebuilds a table others reference (SQLite cannot drop a constraint in place): run with
  // foreign-key enforcement off, as SQLite's documented rebuild procedure does, and checked
  // with PRAGMA foreign_key_check before the commit.
  bool rebuilds_tables = false;
};

// Every migration the collector knows, in version order. Append only: never edit a shipped one.
std::span<const Migration> AllMigrations();

// Applies the migrations of `migrations` not yet recorded in `db`. Returns the resulting version.
absl::StatusOr<int> ApplyMigrations(SqliteDb& db, std::span<const Migration> migrations);

// The version recorded in `db` (0 for a fresh file).
absl::StatusOr<int> SchemaVersion(SqliteDb& db);

}  // namespace otasuke::collector
