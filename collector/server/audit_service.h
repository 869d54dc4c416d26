#pragma once
// AuditService for otasukectl: the audit log, newest first, filtered by tenant and action. Each
// call authenticates its console token and runs on the worker pool with its own connection to
// the database (a read, never behind the alert writer); admins and leads may read it.

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/auth/authenticator.h"
#include "collector/server/worker_pool.h"
#include "collector/store/sqlite_db.h"
#include "otasuke/v1/audit_service.grpc.pb.h"

namespace otasuke::collector {

// The audit list's statement: a tenant's rows through audit_log_by_tenant, every tenant's along
// the primary key (`?1 = '' OR tenant_id = ?1` in one statement could use neither).
const char* AuditListSql(bool one_tenant);

class AuditServiceImpl final : public v1::AuditService::CallbackService {
 public:
  static absl::StatusOr<std::unique_ptr<AuditServiceImpl>> Open(const std::string& db_path,
                                                                WorkerPool& pool,
                                                                const Authenticator& authenticator);

  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* context,
                                      const v1::ListAuditRequest* request,
                                      v1::ListAuditResponse* response) override;

 private:
  AuditServiceImpl(std::unique_ptr<SqliteDb> db, WorkerPool& pool,
                   const Authenticator& authenticator)
      : db_(std::move(db)), pool_(pool), authenticator_(authenticator) {}

  absl::Status List(const v1::ListAuditRequest& request, v1::ListAuditResponse* response);

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  WorkerPool& pool_;
  const Authenticator& authenticator_;
};

}  // namespace otasuke::collector
