#pragma once
// WorkOrders on the collector's SQLite database through its own connection: visits are opened
// and advanced at human pace, so short IMMEDIATE transactions beside the ingest writer (WAL,
// busy timeout) cost nothing on the hot path. Calls are serialised by a mutex.

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/store/sqlite_db.h"
#include "collector/workorder/work_orders.h"
#include "common/clock.h"

namespace otasuke::collector {

class SqliteWorkOrders final : public WorkOrders {
 public:
  // The database must already be migrated (SqliteStore::Open does it).
  static absl::StatusOr<std::unique_ptr<SqliteWorkOrders>> Open(const std::string& path,
                                                                const Clock& clock);

  absl::StatusOr<v1::WorkOrder> Open(const v1::OpenWorkOrderRequest& request) override;
  absl::StatusOr<v1::WorkOrder> Advance(const v1::AdvanceWorkOrderRequest& request) override;
  absl::StatusOr<v1::WorkOrder> Get(int64_t id) override;
  absl::StatusOr<std::vector<v1::WorkOrder>> List(const WorkOrderQuery& query) override;

 private:
  SqliteWorkOrders(std::unique_ptr<SqliteDb> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}

  absl::StatusOr<v1::WorkOrder> Read(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AddEvent(int64_t id, const v1::WorkOrderEvent& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  const Clock& clock_;
};

}  // namespace otasuke::collector
