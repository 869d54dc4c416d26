#pragma once
// The AlertSpool in one SQLite file in WAL mode: table spool(sequence INTEGER PRIMARY KEY,
// severity, body). Sequence is the rowid, so sending in order is a range scan and an ack is a
// range delete. Each Apply() is one transaction; with synchronous=FULL its commit fsyncs the
// WAL (group commit: one fsync per batch, not per alert). Chosen over an append-only segment
// log by bench/agent/spool_bench.cc (docs/DELIVERY.md).
//
// Opening checks the file (quick_check). A corrupt or truncated file is moved aside to
// <path>.corrupt, every row still readable is copied into a fresh file, and the loss is
// counted in recovery(); opening never fails because of the file's content, only when the
// directory cannot be written.

#include <sqlite3.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "agent/pipeline/alert_spool.h"

namespace otasuke::agent {

struct SqliteSpoolOptions {
  // FULL: a commit survives power loss. NORMAL: survives a process crash (kill -9) but the
  // last commits may roll back on power loss; for the bench's comparison only.
  bool fsync_every_commit = true;
};

class SqliteAlertSpool final : public AlertSpool {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteAlertSpool>> Open(const std::string& path,
                                                                SqliteSpoolOptions options = {});
  ~SqliteAlertSpool() override;
  SqliteAlertSpool(const SqliteAlertSpool&) = delete;
  SqliteAlertSpool& operator=(const SqliteAlertSpool&) = delete;

  const SpoolRecovery& recovery() const override { return recovery_; }
  absl::StatusOr<std::vector<SpoolEntry>> ListEntries() override;
  absl::Status Apply(const SpoolCommit& commit) override;
  absl::Status ReadRange(uint64_t first, uint64_t last, std::vector<SpooledAlert>* out) override;
  uint64_t DiskBytes() const override;

 private:
  SqliteAlertSpool(std::string path, sqlite3* db, SpoolRecovery recovery)
      : path_(std::move(path)), db_(db), recovery_(std::move(recovery)) {}
  absl::Status ApplyLocked(const SpoolCommit& commit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;  // one connection, used by the queue's writer and the transport
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
  const SpoolRecovery recovery_;
};

}  // namespace otasuke::agent
