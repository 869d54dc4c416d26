#pragma once
// The audit log: who did what to which tenant and target, and when. One writer for every module
// that writes it (store, tenancy, incident workflow), inside the caller's transaction.

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "collector/store/sqlite_db.h"

namespace otasuke::collector {

struct AuditEntry {
  std::string_view actor;
  std::string_view action;  // "tenant.upsert", "incident.merge", ...
  std::string_view tenant_id;
  std::string_view target;
  std::string_view detail;
};

absl::Status AppendAudit(SqliteDb& db, absl::Time at, const AuditEntry& entry);

}  // namespace otasuke::collector
