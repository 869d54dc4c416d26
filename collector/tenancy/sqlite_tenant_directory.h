#pragma once
// TenantDirectory on the collector's SQLite database, through its own connection (console-rate
// operations; WAL lets them run beside the ingest writer). Calls are serialised by a mutex.

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/store/sqlite_db.h"
#include "collector/tenancy/tenant_directory.h"
#include "common/clock.h"

namespace otasuke::collector::tenancy {

class SqliteTenantDirectory final : public TenantDirectory {
 public:
  // The database must already be migrated (SqliteStore::Open does it).
  static absl::StatusOr<std::unique_ptr<SqliteTenantDirectory>> Open(const std::string& path,
                                                                     const Clock& clock);

  absl::Status UpsertRegion(const Region& region, std::string_view actor) override;
  absl::Status UpsertTenant(const Tenant& tenant, std::string_view actor) override;
  absl::Status UpsertResponder(const Responder& responder, std::string_view actor) override;
  absl::StatusOr<int64_t> AddRotaEntry(const RotaEntry& entry, std::string_view actor) override;
  absl::Status RemoveRotaEntry(int64_t id, std::string_view actor) override;
  absl::StatusOr<ImportCounts> Import(const ImportBundle& bundle, std::string_view actor) override;

  absl::StatusOr<Tenant> GetTenant(std::string_view id) override;
  absl::StatusOr<std::vector<Tenant>> ListTenants() override;
  absl::StatusOr<std::vector<Region>> ListRegions() override;
  absl::StatusOr<Responder> GetResponder(std::string_view handle) override;
  absl::StatusOr<Responder> GetResponderById(int64_t id) override;
  absl::StatusOr<std::vector<Responder>> ListResponders() override;
  absl::StatusOr<std::vector<RotaEntry>> ListRota(std::string_view region) override;
  absl::StatusOr<OnCall> OnCallFor(std::string_view tenant_id, absl::Time at) override;

 private:
  SqliteTenantDirectory(std::unique_ptr<SqliteDb> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}

  absl::Status PutRegion(const Region& region) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PutTenant(const Tenant& tenant) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PutResponder(const Responder& responder) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int64_t> PutRotaEntry(const RotaEntry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Audit(std::string_view actor, std::string_view action, std::string_view tenant_id,
                     std::string_view target, std::string_view detail = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Tenant> ReadTenant(std::string_view id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<Responder>> ReadResponders(const char* sql, std::string_view key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<RotaEntry>> ReadRota(std::string_view region)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  const Clock& clock_;
};

}  // namespace otasuke::collector::tenancy
