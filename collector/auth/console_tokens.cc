#include "collector/auth/console_tokens.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "collector/auth/permissions.h"
#include "collector/auth/secret.h"
#include "collector/store/audit_log.h"
#include "collector/store/transaction.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

// Longer input is not a token; refusing it early bounds the hashing work of a hostile caller.
constexpr size_t kMaxSecretBytes = 128;

std::optional<absl::Time> OptionalTime(const Stmt& stmt, int column) {
  if (stmt.IsNull(column)) return std::nullopt;
  return FromMicros(stmt.Int(column));
}

}  // namespace

absl::Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(what), " name must be 1 to 64 characters, got ", name.size()));
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat(
          Sv(what), " name '", Sv(name), "' may contain only letters, digits, '.', '_' and '-'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ConsoleTokenStore>> ConsoleTokenStore::Open(
    const std::string& db_path, const Clock& clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(db_path, {}));
  return std::unique_ptr<ConsoleTokenStore>(new ConsoleTokenStore(std::move(db), clock));
}

absl::StatusOr<std::string> ConsoleTokenStore::Create(const ConsoleTokenSpec& spec,
                                                      std::string_view actor) {
  RETURN_IF_ERROR(ValidateName("console token", spec.name));
  if (spec.role == Role::kViewer && spec.tenant_id.empty()) {
    return absl::InvalidArgumentError("a viewer token needs the tenant it may see (--tenant)");
  }
  if (spec.role != Role::kViewer && !spec.tenant_id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("only viewer tokens are limited to a tenant; a ",
                                                   Sv(RoleName(spec.role)),
                                                   " token sees every tenant (drop --tenant)"));
  }
  if (spec.ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("a console token's lifetime must be positive");
  }
  if (spec.role == Role::kViewer && !spec.responder.empty()) {
    return absl::InvalidArgumentError(
        "a viewer token is the SME's, not a responder's (drop --responder)");
  }
  ASSIGN_OR_RETURN(std::string secret, NewSecret("otk"));
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  SqliteDb& db = *db_;
  absl::Status status = RunTransaction(db, [&]() -> absl::Status {
    int64_t responder_id = 0;
    if (!spec.responder.empty()) {
      ASSIGN_OR_RETURN(Stmt responder, db.Prepare("SELECT id FROM responders WHERE handle = ?"));
      responder.Bind(1, spec.responder);
      ASSIGN_OR_RETURN(bool known, responder.Step());
      if (!known) {
        return absl::NotFoundError(absl::StrCat("unknown responder '", spec.responder, "'"));
      }
      responder_id = responder.Int(0);
    }
    ASSIGN_OR_RETURN(Stmt exists, db.Prepare("SELECT 1 FROM console_tokens WHERE name = ?"));
    exists.Bind(1, spec.name);
    ASSIGN_OR_RETURN(bool taken, exists.Step());
    if (taken) {
      return absl::AlreadyExistsError(
          absl::StrCat("a console token named '", spec.name, "' already exists"));
    }
    ASSIGN_OR_RETURN(
        Stmt insert,
        db.Prepare("INSERT INTO console_tokens (name, token_hash, role, tenant_id, "
                   "created_at, created_by, expires_at, responder_id) VALUES (?, ?, ?, ?, ?, ?, "
                   "?, ?)"));
    insert.Bind(1, spec.name)
        .Bind(2, SecretHash(secret))
        .Bind(3, RoleName(spec.role))
        .Bind(4, spec.tenant_id)
        .Bind(5, ToMicros(now))
        .Bind(6, actor);
    if (spec.ttl == absl::InfiniteDuration()) {
      insert.BindNull(7);
    } else {
      insert.Bind(7, ToMicros(now + spec.ttl));
    }
    if (responder_id == 0) {
      insert.BindNull(8);
    } else {
      insert.Bind(8, responder_id);
    }
    RETURN_IF_ERROR(insert.Run());
    return AppendAudit(
        db, now,
        {.actor = actor,
         .action = "console_token.created",
         .tenant_id = spec.tenant_id,
         .target = spec.name,
         .detail = absl::StrCat("role=", Sv(RoleName(spec.role)),
                                spec.responder.empty() ? "" : " responder=", spec.responder)});
  });
  if (!status.ok()) return status;
  return secret;
}

absl::StatusOr<Principal> ConsoleTokenStore::Lookup(std::string_view secret) {
  if (secret.empty()) {
    return absl::UnauthenticatedError(
        "no console token: pass --token, OTASUKE_TOKEN or --token-file");
  }
  if (secret.size() > kMaxSecretBytes) {
    return absl::UnauthenticatedError("the console token is not valid (too long)");
  }
  std::string hash = SecretHash(secret);
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("SELECT t.name, t.role, t.tenant_id, t.expires_at, "
                                           "t.revoked_at, t.id, COALESCE(t.responder_id, 0), "
                                           "COALESCE(r.handle, '') FROM console_tokens t LEFT "
                                           "JOIN responders r ON r.id = t.responder_id WHERE "
                                           "t.token_hash = ?"));
  stmt.Bind(1, hash);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::UnauthenticatedError("the console token is not valid (unknown)");
  std::string name = stmt.Text(0);
  if (!stmt.IsNull(4)) {
    return absl::UnauthenticatedError(absl::StrCat("console token '", name, "' was revoked"));
  }
  std::optional<absl::Time> expires = OptionalTime(stmt, 3);
  if (expires.has_value() && *expires <= clock_.Now()) {
    return absl::UnauthenticatedError(
        absl::StrCat("console token '", name, "' expired at ",
                     absl::FormatTime("%Y-%m-%d %H:%M:%SZ", *expires, absl::UTCTimeZone())));
  }
  std::optional<Role> role = ParseRole(stmt.Text(1));
  if (!role.has_value()) {
    return absl::DataLossError(absl::StrCat("console token '", name, "' has an unknown role"));
  }
  return Principal{.token_name = std::move(name),
                   .role = *role,
                   .tenant_id = stmt.Text(2),
                   .token_id = stmt.Int(5),
                   .responder_id = stmt.Int(6),
                   .responder = stmt.Text(7)};
}

absl::StatusOr<std::vector<ConsoleTokenInfo>> ConsoleTokenStore::List() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("SELECT t.name, t.role, t.tenant_id, t.created_at, "
                                           "t.created_by, t.expires_at, t.revoked_at, "
                                           "COALESCE(r.handle, '') FROM console_tokens t LEFT "
                                           "JOIN responders r ON r.id = t.responder_id ORDER BY "
                                           "t.id"));
  std::vector<ConsoleTokenInfo> tokens;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    tokens.push_back({.name = stmt.Text(0),
                      .role = ParseRole(stmt.Text(1)).value_or(Role::kViewer),
                      .tenant_id = stmt.Text(2),
                      .created_at = FromMicros(stmt.Int(3)),
                      .created_by = stmt.Text(4),
                      .expires_at = OptionalTime(stmt, 5),
                      .revoked_at = OptionalTime(stmt, 6),
                      .responder = stmt.Text(7)});
  }
  return tokens;
}

absl::Status ConsoleTokenStore::Revoke(std::string_view name, std::string_view actor) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  SqliteDb& db = *db_;
  return RunTransaction(db, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("UPDATE console_tokens SET revoked_at = ? WHERE name = "
                                           "? AND revoked_at IS NULL"));
    RETURN_IF_ERROR(stmt.Bind(1, ToMicros(now)).Bind(2, name).Run());
    if (db.Changes() == 0) {
      return absl::NotFoundError(absl::StrCat("no active console token named '", Sv(name), "'"));
    }
    return AppendAudit(db, now,
                       {.actor = actor,
                        .action = "console_token.revoked",
                        .tenant_id = "",
                        .target = name,
                        .detail = ""});
  });
}

absl::StatusOr<bool> ConsoleTokenStore::BootstrapAdmin(const std::string& path) {
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("SELECT COUNT(*) FROM console_tokens"));
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row && stmt.Int(0) > 0) return false;
  }
  ASSIGN_OR_RETURN(
      std::string secret,
      Create({.name = std::string(kBootstrapName), .role = Role::kAdmin}, "collector:first-start"));
  RETURN_IF_ERROR(WriteFileAtomically(path, secret + "\n"));
  return true;
}

}  // namespace otasuke::collector
