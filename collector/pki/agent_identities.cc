#include "collector/pki/agent_identities.h"

#include "absl/strings/str_cat.h"
#include "collector/auth/console_tokens.h"
#include "collector/auth/secret.h"
#include "collector/store/audit_log.h"
#include "collector/store/transaction.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

constexpr size_t kMaxSecretBytes = 128;
constexpr absl::Duration kMaxEnrollmentTtl = absl::Hours(24 * 30);

std::string UtcText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<std::unique_ptr<AgentIdentities>> AgentIdentities::Open(
    const std::string& db_path, const CertificateAuthority& ca, const Clock& clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(db_path, {}));
  auto identities = std::unique_ptr<AgentIdentities>(new AgentIdentities(std::move(db), ca, clock));
  {
    absl::MutexLock lock(&identities->mu_);
    RETURN_IF_ERROR(identities->LoadLocked());
  }
  return identities;
}

absl::Status AgentIdentities::LoadLocked() {
  ASSIGN_OR_RETURN(Stmt certs,
                   db_->Prepare("SELECT fingerprint, agent_id, tenant_id FROM agent_certificates"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, certs.Step());
    if (!row) break;
    certificates_[certs.Text(0)] = {.agent_id = certs.Text(1), .tenant_id = certs.Text(2)};
  }
  ASSIGN_OR_RETURN(Stmt revoked, db_->Prepare("SELECT agent_id FROM revoked_agents"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, revoked.Step());
    if (!row) break;
    revoked_.insert(revoked.Text(0));
  }
  return absl::OkStatus();
}

absl::StatusOr<NewEnrollmentToken> AgentIdentities::CreateEnrollmentToken(
    std::string_view tenant_id, absl::Duration ttl, std::string_view actor) {
  RETURN_IF_ERROR(ValidateName("tenant", tenant_id));
  if (ttl <= absl::ZeroDuration() || ttl > kMaxEnrollmentTtl) {
    return absl::InvalidArgumentError(
        "an enrollment token's lifetime must be positive and at most 30 days (720h)");
  }
  ASSIGN_OR_RETURN(std::string secret, NewSecret("ote"));
  absl::Time now = clock_.Now();
  NewEnrollmentToken token{.secret = secret, .expires_at = now + ttl};
  absl::MutexLock lock(&mu_);
  SqliteDb& db = *db_;
  RETURN_IF_ERROR(RunTransaction(db, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Stmt insert,
                     db.Prepare("INSERT INTO enrollment_tokens (token_hash, tenant_id, created_at, "
                                "created_by, expires_at) VALUES (?, ?, ?, ?, ?)"));
    RETURN_IF_ERROR(insert.Bind(1, SecretHash(secret))
                        .Bind(2, tenant_id)
                        .Bind(3, ToMicros(now))
                        .Bind(4, actor)
                        .Bind(5, ToMicros(token.expires_at))
                        .Run());
    token.id = db.LastInsertRowId();
    return AppendAudit(db, now,
                       {.actor = actor,
                        .action = "enrollment_token.created",
                        .tenant_id = tenant_id,
                        .target = absl::StrCat("enrollment-token:", token.id),
                        .detail = absl::StrCat("expires ", UtcText(token.expires_at))});
  }));
  return token;
}

absl::StatusOr<std::vector<EnrollmentTokenInfo>> AgentIdentities::ListEnrollmentTokens() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("SELECT id, tenant_id, created_at, created_by, "
                                           "expires_at, used_at, used_by_agent FROM "
                                           "enrollment_tokens ORDER BY id"));
  std::vector<EnrollmentTokenInfo> tokens;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    EnrollmentTokenInfo info{.id = stmt.Int(0),
                             .tenant_id = stmt.Text(1),
                             .created_at = FromMicros(stmt.Int(2)),
                             .created_by = stmt.Text(3),
                             .expires_at = FromMicros(stmt.Int(4))};
    if (!stmt.IsNull(5)) info.used_at = FromMicros(stmt.Int(5));
    if (!stmt.IsNull(6)) info.used_by_agent = stmt.Text(6);
    tokens.push_back(std::move(info));
  }
  return tokens;
}

absl::StatusOr<IssuedCertificate> AgentIdentities::Enroll(const EnrollRequestData& request) {
  if (request.token.empty()) return absl::UnauthenticatedError("no enrollment token given");
  if (request.token.size() > kMaxSecretBytes) {
    return absl::UnauthenticatedError("the enrollment token is not valid (too long)");
  }
  RETURN_IF_ERROR(ValidateName("agent id", request.agent_id));
  if (request.agent_id == kCollectorTlsName) {
    return absl::InvalidArgumentError(
        absl::StrCat("agent id '", Sv(kCollectorTlsName), "' is reserved for the collector"));
  }
  if (request.hostname.size() > 255) {
    return absl::InvalidArgumentError("hostname is longer than 255 bytes");
  }
  ASSIGN_OR_RETURN(pki::CsrPtr csr, pki::ParseAndVerifyCsrPem(request.csr_pem));
  absl::Time now = clock_.Now();
  std::string hash = SecretHash(request.token);
  IssuedCertificate issued;
  std::string tenant;
  absl::MutexLock lock(&mu_);
  if (revoked_.count(request.agent_id) > 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("agent ", request.agent_id, " was revoked; enroll it under a new id"));
  }
  SqliteDb& db = *db_;
  RETURN_IF_ERROR(RunTransaction(db, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Stmt find, db.Prepare("SELECT id, tenant_id, expires_at, used_at, "
                                           "used_by_agent FROM enrollment_tokens WHERE "
                                           "token_hash = ?"));
    find.Bind(1, hash);
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (!found) return absl::UnauthenticatedError("the enrollment token is not valid (unknown)");
    int64_t token_id = find.Int(0);
    tenant = find.Text(1);
    absl::Time expires = FromMicros(find.Int(2));
    if (!find.IsNull(3)) {
      return absl::PermissionDeniedError(
          absl::StrCat("enrollment token ", token_id, " was already used (by agent ", find.Text(4),
                       " at ", UtcText(FromMicros(find.Int(3))), "); create a new one"));
    }
    if (expires <= now) {
      return absl::PermissionDeniedError(absl::StrCat("enrollment token ", token_id, " expired at ",
                                                      UtcText(expires), "; create a new one"));
    }
    find.Reset();
    ASSIGN_OR_RETURN(issued, ca_.IssueAgentCertificate(csr.get(), request.agent_id, tenant));
    ASSIGN_OR_RETURN(Stmt use, db.Prepare("UPDATE enrollment_tokens SET used_at = ?, "
                                          "used_by_agent = ? WHERE id = ? AND used_at IS NULL"));
    RETURN_IF_ERROR(use.Bind(1, ToMicros(now)).Bind(2, request.agent_id).Bind(3, token_id).Run());
    ASSIGN_OR_RETURN(Stmt record,
                     db.Prepare("INSERT INTO agent_certificates (serial, agent_id, tenant_id, "
                                "fingerprint, issued_at, expires_at, enrollment_token_id) VALUES "
                                "(?, ?, ?, ?, ?, ?, ?)"));
    RETURN_IF_ERROR(record.Bind(1, issued.serial)
                        .Bind(2, request.agent_id)
                        .Bind(3, tenant)
                        .Bind(4, issued.fingerprint)
                        .Bind(5, ToMicros(now))
                        .Bind(6, ToMicros(issued.not_after))
                        .Bind(7, token_id)
                        .Run());
    return AppendAudit(
        db, now,
        {.actor = absl::StrCat("enrollment-token:", token_id),
         .action = "agent.enrolled",
         .tenant_id = tenant,
         .target = request.agent_id,
         .detail = absl::StrCat("host ", request.hostname, ", certificate ", issued.serial)});
  }));
  certificates_[issued.fingerprint] = {.agent_id = request.agent_id, .tenant_id = tenant};
  return issued;
}

absl::Status AgentIdentities::Revoke(std::string_view agent_id, std::string_view actor,
                                     std::string_view reason) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  if (revoked_.count(agent_id) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("agent ", Sv(agent_id), " is already revoked"));
  }
  SqliteDb& db = *db_;
  RETURN_IF_ERROR(RunTransaction(db, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Stmt find, db.Prepare("SELECT tenant_id FROM agent_certificates WHERE "
                                           "agent_id = ? LIMIT 1"));
    find.Bind(1, agent_id);
    ASSIGN_OR_RETURN(bool enrolled, find.Step());
    if (!enrolled) {
      return absl::NotFoundError(absl::StrCat("agent ", Sv(agent_id), " was never enrolled here"));
    }
    std::string tenant = find.Text(0);
    find.Reset();
    ASSIGN_OR_RETURN(Stmt insert, db.Prepare("INSERT INTO revoked_agents (agent_id, revoked_at, "
                                             "revoked_by, reason) VALUES (?, ?, ?, ?)"));
    RETURN_IF_ERROR(
        insert.Bind(1, agent_id).Bind(2, ToMicros(now)).Bind(3, actor).Bind(4, reason).Run());
    return AppendAudit(db, now,
                       {.actor = actor,
                        .action = "agent.revoked",
                        .tenant_id = tenant,
                        .target = agent_id,
                        .detail = reason});
  }));
  revoked_.insert(std::string(agent_id));
  return absl::OkStatus();
}

bool AgentIdentities::IsRevoked(std::string_view agent_id) const {
  absl::MutexLock lock(&mu_);
  return revoked_.count(agent_id) > 0;
}

absl::Status AgentIdentities::CheckStream(std::string_view peer_cert_pem, std::string_view agent_id,
                                          std::string_view tenant_id) const {
  if (peer_cert_pem.empty()) {
    return absl::UnauthenticatedError(
        "agent streams need the client certificate from enrollment (otasuke-agent enroll)");
  }
  ASSIGN_OR_RETURN(AgentCertificateIdentity identity,
                   CertificateAuthority::IdentifyAgent(peer_cert_pem));
  absl::MutexLock lock(&mu_);
  auto it = certificates_.find(identity.fingerprint);
  if (it == certificates_.end()) {
    return absl::UnauthenticatedError(absl::StrCat("client certificate of ", identity.agent_id,
                                                   " was not issued by this collector"));
  }
  if (it->second.agent_id != agent_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("the client certificate belongs to agent ", it->second.agent_id,
                     ", but the stream says it is agent ", Sv(agent_id)));
  }
  if (it->second.tenant_id != tenant_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("agent ", Sv(agent_id), " was enrolled for tenant ", it->second.tenant_id,
                     ", but the stream says tenant ", Sv(tenant_id)));
  }
  if (revoked_.count(agent_id) > 0) {
    return absl::PermissionDeniedError(absl::StrCat("agent ", Sv(agent_id), " was revoked"));
  }
  return absl::OkStatus();
}

}  // namespace otasuke::collector
