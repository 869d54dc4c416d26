#pragma once
// The tenancy seam: tenants, responders, regions and rotas, and the one question dispatch asks —
// who is on call for this tenant now. Every write is audited under its actor; a bulk import is
// one transaction, so a bad row leaves nothing half-imported.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/tenancy/model.h"

namespace otasuke::collector::tenancy {

struct Region {
  std::string name;
  std::string time_zone = "Asia/Tokyo";  // IANA name; weekly rota entries are in this zone
};

// Who answers for a tenant at one instant, in escalation order: the primary on-call responders,
// then the secondary ones, then the leads of the tenant's region.
struct OnCall {
  Tenant tenant;
  std::vector<Responder> primary;
  std::vector<Responder> secondary;
  std::vector<Responder> leads;
};

// A record of a bulk import with where it came from ("tenants.csv:3"), so errors found while
// applying it (an unknown responder, an overlap) still name the file and line.
template <typename T>
struct Sourced {
  T value;
  std::string origin;
};

struct ImportBundle {
  std::vector<Sourced<Region>> regions;
  std::vector<Sourced<Tenant>> tenants;
  std::vector<Sourced<Responder>> responders;
  std::vector<Sourced<RotaEntry>> rota;
};

struct ImportCounts {
  int regions = 0;
  int tenants = 0;
  int responders = 0;
  int rota_entries = 0;
};

class TenantDirectory {
 public:
  virtual ~TenantDirectory() = default;

  virtual absl::Status UpsertRegion(const Region& region, std::string_view actor) = 0;
  virtual absl::Status UpsertTenant(const Tenant& tenant, std::string_view actor) = 0;
  virtual absl::Status UpsertResponder(const Responder& responder, std::string_view actor) = 0;
  // Rejects an entry that overlaps one of the same region and tier (AlreadyExists); an entry
  // identical to an existing one is that entry (so re-importing a rota is harmless).
  virtual absl::StatusOr<int64_t> AddRotaEntry(const RotaEntry& entry, std::string_view actor) = 0;
  virtual absl::Status RemoveRotaEntry(int64_t id, std::string_view actor) = 0;
  // Applies everything or nothing. Errors name the record's origin and field.
  virtual absl::StatusOr<ImportCounts> Import(const ImportBundle& bundle,
                                              std::string_view actor) = 0;

  // NotFound names the unknown tenant or responder.
  virtual absl::StatusOr<Tenant> GetTenant(std::string_view id) = 0;
  virtual absl::StatusOr<std::vector<Tenant>> ListTenants() = 0;
  virtual absl::StatusOr<std::vector<Region>> ListRegions() = 0;
  virtual absl::StatusOr<Responder> GetResponder(std::string_view handle) = 0;
  virtual absl::StatusOr<Responder> GetResponderById(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<Responder>> ListResponders() = 0;
  virtual absl::StatusOr<std::vector<RotaEntry>> ListRota(std::string_view region) = 0;
  virtual absl::StatusOr<OnCall> OnCallFor(std::string_view tenant_id, absl::Time at) = 0;
};

}  // namespace otasuke::collector::tenancy
