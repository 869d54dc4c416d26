#include "collector/store/audit_log.h"

#include "common/status_macros.h"

namespace otasuke::collector {

absl::Status AppendAudit(SqliteDb& db, absl::Time at, const AuditEntry& entry) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("INSERT INTO audit_log (at, actor, action, tenant_id, "
                                         "target, detail) VALUES (?, ?, ?, ?, ?, ?)"));
  return stmt.Bind(1, ToMicros(at))
      .Bind(2, entry.actor)
      .Bind(3, entry.action)
      .Bind(4, entry.tenant_id)
      .Bind(5, entry.target)
      .Bind(6, entry.detail)
      .Run();
}

}  // namespace otasuke::collector
