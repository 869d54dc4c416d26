#pragma once
// Reads the notifications table for the console: each notification with its channel, target,
// state, attempts and last error, newest first. Its own read connection (console rate).

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/store/sqlite_db.h"
#include "otasuke/v1/notification_service.pb.h"

namespace otasuke::collector {

// The list's statement: one tenant's notifications through its incidents
// (incidents_by_tenant, then notifications_by_incident), every tenant's along the primary key.
const char* NotificationListSql(bool one_tenant);

class NotificationLog {
 public:
  static absl::StatusOr<std::unique_ptr<NotificationLog>> Open(const std::string& path);

  // InvalidArgument for a state other than "", pending, sent or failed.
  absl::StatusOr<std::vector<v1::NotificationInfo>> List(
      const v1::ListNotificationsRequest& request);

 private:
  explicit NotificationLog(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace otasuke::collector
