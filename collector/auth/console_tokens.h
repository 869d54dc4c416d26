#pragma once
// Console API tokens in the collector's SQLite file (table console_tokens): each has a unique
// name (the audit log's actor), a role, a tenant for viewers, an optional expiry, and is stored
// only as the SHA-256 of its secret. Thread-safe; uses its own connection, so a console call
// never waits behind the alert writer's queue.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "collector/auth/principal.h"
#include "collector/store/sqlite_db.h"
#include "common/clock.h"

namespace otasuke::collector {

struct ConsoleTokenSpec {
  std::string name;  // [A-Za-z0-9._-], 1..64 characters
  Role role = Role::kViewer;
  std::string tenant_id;  // required for viewers, refused for the other roles
  absl::Duration ttl = absl::InfiniteDuration();
  std::string responder;  // handle of the responder the token belongs to; empty: none
};

struct ConsoleTokenInfo {
  std::string name;
  Role role = Role::kViewer;
  std::string tenant_id;
  absl::Time created_at;
  std::string created_by;
  std::optional<absl::Time> expires_at;
  std::optional<absl::Time> revoked_at;
  std::string responder;  // handle; empty: not bound
};

class ConsoleTokenStore {
 public:
  static constexpr std::string_view kBootstrapName = "bootstrap-admin";

  static absl::StatusOr<std::unique_ptr<ConsoleTokenStore>> Open(const std::string& db_path,
                                                                 const Clock& clock);

  // Creates a token and returns its secret, which is not kept: show it once. Audited as `actor`.
  absl::StatusOr<std::string> Create(const ConsoleTokenSpec& spec, std::string_view actor);
  // The caller a secret belongs to. Unauthenticated when it is unknown, expired or revoked.
  absl::StatusOr<Principal> Lookup(std::string_view secret);
  absl::StatusOr<std::vector<ConsoleTokenInfo>> List();
  // Revokes a token by name: it stops working at once. Audited as `actor`.
  absl::Status Revoke(std::string_view name, std::string_view actor);

  // First start: when the database has no console token at all, creates the admin token
  // kBootstrapName and writes its secret to `path` (0600). Returns whether it did.
  absl::StatusOr<bool> BootstrapAdmin(const std::string& path);

 private:
  ConsoleTokenStore(std::unique_ptr<SqliteDb> db, const Clock& clock)
      : clock_(clock), db_(std::move(db)) {}

  const Clock& clock_;
  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
};

// Checks a token or enrollment name: non-empty, at most 64 of [A-Za-z0-9._-].
absl::Status ValidateName(std::string_view what, std::string_view name);

}  // namespace otasuke::collector
