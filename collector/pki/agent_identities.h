#pragma once
// Agent identity on the collector: single-use, expiring enrollment tokens (hashed at rest),
// enrollment itself (token + CSR -> client certificate bound to agent id and tenant), the
// certificates issued, and revocation. Stream checks (CheckStream) answer from memory, so the
// agent reactor never waits on SQLite; every change is written through to the database first.
// Thread-safe.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "collector/auth/agent_stream_authorizer.h"
#include "collector/pki/certificate_authority.h"
#include "collector/store/sqlite_db.h"
#include "common/clock.h"

namespace otasuke::collector {

struct EnrollmentTokenInfo {
  int64_t id = 0;
  std::string tenant_id;
  absl::Time created_at;
  std::string created_by;
  absl::Time expires_at;
  std::optional<absl::Time> used_at;
  std::string used_by_agent;
};

struct NewEnrollmentToken {
  int64_t id = 0;
  std::string secret;  // shown once
  absl::Time expires_at;
};

struct EnrollRequestData {
  std::string token;
  std::string agent_id;
  std::string hostname;
  std::string csr_pem;
};

class AgentIdentities final : public AgentStreamAuthorizer {
 public:
  static constexpr size_t kMaxTenantBytes = 64;

  static absl::StatusOr<std::unique_ptr<AgentIdentities>> Open(const std::string& db_path,
                                                               const CertificateAuthority& ca,
                                                               const Clock& clock);

  absl::StatusOr<NewEnrollmentToken> CreateEnrollmentToken(std::string_view tenant_id,
                                                           absl::Duration ttl,
                                                           std::string_view actor);
  absl::StatusOr<std::vector<EnrollmentTokenInfo>> ListEnrollmentTokens();

  // Validates the token (known, unused, unexpired) and the CSR, signs the agent's certificate,
  // marks the token used and records the certificate, all in one transaction. Audited.
  absl::StatusOr<IssuedCertificate> Enroll(const EnrollRequestData& request);

  // Refuses the agent from now on. Audited as `actor`. NotFound for an agent never enrolled.
  absl::Status Revoke(std::string_view agent_id, std::string_view actor, std::string_view reason);
  bool IsRevoked(std::string_view agent_id) const;

  // May a stream whose client certificate is `peer_cert_pem` speak as `agent_id` of
  // `tenant_id`? The certificate must be one this collector issued to that agent and tenant, and
  // the agent must not be revoked. Answers from memory.
  absl::Status CheckStream(std::string_view peer_cert_pem, std::string_view agent_id,
                           std::string_view tenant_id) const;
  absl::Status AuthorizeStream(std::string_view peer_cert_pem,
                               const v1::Hello& hello) const override {
    return CheckStream(peer_cert_pem, hello.agent_id(), hello.tenant_id());
  }

 private:
  struct IssuedTo {
    std::string agent_id;
    std::string tenant_id;
  };
  AgentIdentities(std::unique_ptr<SqliteDb> db, const CertificateAuthority& ca, const Clock& clock)
      : ca_(ca), clock_(clock), db_(std::move(db)) {}
  absl::Status LoadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CertificateAuthority& ca_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, IssuedTo, std::less<>> certificates_ ABSL_GUARDED_BY(mu_);  // fingerprint
  std::set<std::string, std::less<>> revoked_ ABSL_GUARDED_BY(mu_);
};

}  // namespace otasuke::collector
