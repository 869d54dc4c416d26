#include "collector/server/audit_service.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "collector/auth/permissions.h"
#include "collector/server/authorized_call.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace otasuke::collector {
namespace {

constexpr uint32_t kDefaultLimit = 100;
constexpr uint32_t kMaxLimit = 10000;

}  // namespace

absl::StatusOr<std::unique_ptr<AuditServiceImpl>> AuditServiceImpl::Open(
    const std::string& db_path, WorkerPool& pool, const Authenticator& authenticator) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(db_path, {}));
  return std::unique_ptr<AuditServiceImpl>(
      new AuditServiceImpl(std::move(db), pool, authenticator));
}

const char* AuditListSql(bool one_tenant) {
  // ?1 tenant, ?2 action ('' = any), ?3 = 1: ?2 is a prefix ("incident."), ?4 limit.
  static constexpr absl::string_view kColumns =
      "SELECT id, at, actor, action, tenant_id, target, detail FROM audit_log WHERE ";
  static constexpr absl::string_view kActionAndOrder =
      "(?2 = '' OR (?3 = 0 AND action = ?2) OR (?3 = 1 AND substr(action, 1, length(?2)) = "
      "?2)) ORDER BY id DESC LIMIT ?4";
  static const std::string* const by_tenant =
      new std::string(absl::StrCat(kColumns, "tenant_id = ?1 AND ", kActionAndOrder));
  static const std::string* const any = new std::string(absl::StrCat(kColumns, kActionAndOrder));
  return one_tenant ? by_tenant->c_str() : any->c_str();
}

absl::Status AuditServiceImpl::List(const v1::ListAuditRequest& request,
                                    v1::ListAuditResponse* response) {
  if (request.limit() > kMaxLimit) {
    return absl::InvalidArgumentError(absl::StrCat("limit: at most ", kMaxLimit));
  }
  // "incident." selects every incident action; anything else is one action.
  const bool prefix = absl::EndsWith(request.action(), ".");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(AuditListSql(!request.tenant_id().empty())));
  if (!request.tenant_id().empty()) stmt.Bind(1, request.tenant_id());
  stmt.Bind(2, request.action())
      .Bind(3, int64_t{prefix ? 1 : 0})
      .Bind(4, int64_t{request.limit() == 0 ? kDefaultLimit : request.limit()});
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    v1::AuditRecord* record = response->add_records();
    record->set_id(stmt.Int(0));
    *record->mutable_at() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(stmt.Int(1));
    record->set_actor(stmt.Text(2));
    record->set_action(stmt.Text(3));
    record->set_tenant_id(stmt.Text(4));
    record->set_target(stmt.Text(5));
    record->set_detail(stmt.Text(6));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AuditServiceImpl::ListAudit(grpc::CallbackServerContext* context,
                                                      const v1::ListAuditRequest* request,
                                                      v1::ListAuditResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kReadAudit, request->tenant_id()));
        return List(*request, response);
      });
}

}  // namespace otasuke::collector
