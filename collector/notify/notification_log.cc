#include "collector/notify/notification_log.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"

namespace otasuke::collector {
namespace {

void SetTime(google::protobuf::Timestamp* ts, int64_t micros) {
  ts->set_seconds(micros / 1'000'000);
  ts->set_nanos(static_cast<int32_t>(micros % 1'000'000) * 1000);
}

}  // namespace

const char* NotificationListSql(bool one_tenant) {
  // ?1 tenant, ?2 state ('' = any), ?3 limit.
  static constexpr absl::string_view kColumns =
      "SELECT n.id, n.incident_id, i.tenant_id, n.channel, n.target, n.state, n.attempts, "
      "n.last_error, n.created_at, n.updated_at ";
  static constexpr absl::string_view kStateAndOrder =
      "(?2 = '' OR n.state = ?2) ORDER BY n.id DESC LIMIT ?3";
  static const std::string* const by_tenant = new std::string(
      absl::StrCat(kColumns,
                   "FROM incidents i JOIN notifications n ON n.incident_id = i.id WHERE "
                   "i.tenant_id = ?1 AND ",
                   kStateAndOrder));
  static const std::string* const any = new std::string(
      absl::StrCat(kColumns, "FROM notifications n JOIN incidents i ON i.id = n.incident_id WHERE ",
                   kStateAndOrder));
  return one_tenant ? by_tenant->c_str() : any->c_str();
}

absl::StatusOr<std::unique_ptr<NotificationLog>> NotificationLog::Open(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, {}));
  return std::unique_ptr<NotificationLog>(new NotificationLog(std::move(db)));
}

absl::StatusOr<std::vector<v1::NotificationInfo>> NotificationLog::List(
    const v1::ListNotificationsRequest& request) {
  const std::string& state = request.state();
  if (!state.empty() && state != "pending" && state != "sent" && state != "failed") {
    return absl::InvalidArgumentError(
        absl::StrCat("state: '", state, "' is not pending, sent or failed"));
  }
  int limit =
      request.limit() == 0 ? 100 : static_cast<int>(std::min<uint32_t>(request.limit(), 10000));
  absl::MutexLock lock(&mu_);
  const bool one_tenant = !request.tenant_id().empty();
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(NotificationListSql(one_tenant)));
  if (one_tenant) stmt.Bind(1, request.tenant_id());
  stmt.Bind(2, state).Bind(3, limit);
  std::vector<v1::NotificationInfo> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    v1::NotificationInfo& info = out.emplace_back();
    info.set_id(stmt.Int(0));
    info.set_incident_id(stmt.Int(1));
    info.set_tenant_id(stmt.Text(2));
    info.set_channel(stmt.Text(3));
    info.set_target(stmt.Text(4));
    info.set_state(stmt.Text(5));
    info.set_attempts(static_cast<uint32_t>(stmt.Int(6)));
    info.set_last_error(stmt.Text(7));
    SetTime(info.mutable_created_at(), stmt.Int(8));
    SetTime(info.mutable_updated_at(), stmt.Int(9));
  }
  return out;
}

}  // namespace otasuke::collector
