#pragma once
// Runs `body` inside BEGIN IMMEDIATE ... COMMIT on `db`, rolling back when it fails. For the
// small writers beside the store's batching writer thread (identity, tokens), whose writes are
// rare; SQLite's busy timeout serialises them with the writer thread.

#include <functional>

#include "absl/status/status.h"
#include "collector/store/sqlite_db.h"

namespace otasuke::collector {

inline absl::Status RunTransaction(SqliteDb& db, const std::function<absl::Status()>& body) {
  absl::Status status = db.Exec("BEGIN IMMEDIATE");
  if (!status.ok()) return status;
  status = body();
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok()) (void)db.Exec("ROLLBACK");
  return status;
}

}  // namespace otasuke::collector
