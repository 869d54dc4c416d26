#include "collector/server/identity_admin_service.h"

#include "absl/strings/str_cat.h"
#include "collector/auth/permissions.h"
#include "collector/server/authorized_call.h"
#include "common/status_macros.h"

namespace otasuke::collector {
namespace {

void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
  ts->set_seconds(absl::ToUnixSeconds(t));
}

void ToProto(const ConsoleTokenInfo& info, v1::ConsoleToken* token) {
  token->set_name(info.name);
  token->set_role(std::string(RoleName(info.role)));
  token->set_tenant_id(info.tenant_id);
  token->set_responder(info.responder);
  SetTime(info.created_at, token->mutable_created_at());
  token->set_created_by(info.created_by);
  if (info.expires_at.has_value()) SetTime(*info.expires_at, token->mutable_expires_at());
  if (info.revoked_at.has_value()) SetTime(*info.revoked_at, token->mutable_revoked_at());
}

void ToProto(const EnrollmentTokenInfo& info, v1::EnrollmentToken* token) {
  token->set_id(info.id);
  token->set_tenant_id(info.tenant_id);
  SetTime(info.created_at, token->mutable_created_at());
  token->set_created_by(info.created_by);
  SetTime(info.expires_at, token->mutable_expires_at());
  if (info.used_at.has_value()) SetTime(*info.used_at, token->mutable_used_at());
  token->set_used_by_agent(info.used_by_agent);
}

}  // namespace

absl::StatusOr<AgentIdentities*> IdentityAdminServiceImpl::Identities() const {
  if (identities_ == nullptr) {
    return absl::FailedPreconditionError(
        "this collector runs with transport_security: insecure (demo mode): it has no CA, so "
        "agents cannot enroll or be revoked");
  }
  return identities_;
}

grpc::ServerUnaryReactor* IdentityAdminServiceImpl::CreateConsoleToken(
    grpc::CallbackServerContext* context, const v1::CreateConsoleTokenRequest* request,
    v1::CreateConsoleTokenResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kManageConsoleTokens, ""));
        std::optional<Role> role = ParseRole(request->role());
        if (!role.has_value()) {
          return absl::InvalidArgumentError(absl::StrCat("unknown role '", request->role(),
                                                         "' (admin, lead, responder, viewer)"));
        }
        if (request->ttl_seconds() < 0) {
          return absl::InvalidArgumentError("a console token's lifetime must be positive");
        }
        ConsoleTokenSpec spec{.name = request->name(),
                              .role = *role,
                              .tenant_id = request->tenant_id(),
                              .ttl = request->ttl_seconds() == 0
                                         ? absl::InfiniteDuration()
                                         : absl::Seconds(request->ttl_seconds()),
                              .responder = request->responder()};
        ASSIGN_OR_RETURN(std::string secret, tokens_.Create(spec, caller.Actor()));
        response->set_secret(secret);
        ASSIGN_OR_RETURN(std::vector<ConsoleTokenInfo> all, tokens_.List());
        for (const ConsoleTokenInfo& info : all) {
          if (info.name == spec.name) ToProto(info, response->mutable_token());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* IdentityAdminServiceImpl::ListConsoleTokens(
    grpc::CallbackServerContext* context, const v1::ListConsoleTokensRequest* /*request*/,
    v1::ListConsoleTokensResponse* response) {
  return AuthorizedCall(context, pool_, authenticator_,
                        [this, response](const Principal& caller) -> absl::Status {
                          RETURN_IF_ERROR(Authorize(caller, Permission::kManageConsoleTokens, ""));
                          ASSIGN_OR_RETURN(std::vector<ConsoleTokenInfo> all, tokens_.List());
                          for (const ConsoleTokenInfo& info : all) {
                            ToProto(info, response->add_tokens());
                          }
                          return absl::OkStatus();
                        });
}

grpc::ServerUnaryReactor* IdentityAdminServiceImpl::RevokeConsoleToken(
    grpc::CallbackServerContext* context, const v1::RevokeConsoleTokenRequest* request,
    v1::RevokeConsoleTokenResponse* /*response*/) {
  return AuthorizedCall(context, pool_, authenticator_,
                        [this, request](const Principal& caller) -> absl::Status {
                          RETURN_IF_ERROR(Authorize(caller, Permission::kManageConsoleTokens, ""));
                          return tokens_.Revoke(request->name(), caller.Actor());
                        });
}

grpc::ServerUnaryReactor* IdentityAdminServiceImpl::CreateEnrollmentToken(
    grpc::CallbackServerContext* context, const v1::CreateEnrollmentTokenRequest* request,
    v1::CreateEnrollmentTokenResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kManageEnrollment, request->tenant_id()));
        ASSIGN_OR_RETURN(AgentIdentities * identities, Identities());
        ASSIGN_OR_RETURN(
            NewEnrollmentToken token,
            identities->CreateEnrollmentToken(
                request->tenant_id(), absl::Seconds(request->ttl_seconds()), caller.Actor()));
        response->set_secret(token.secret);
        response->set_ca_fingerprint(ca_->ca_fingerprint());
        ASSIGN_OR_RETURN(std::vector<EnrollmentTokenInfo> all, identities->ListEnrollmentTokens());
        for (const EnrollmentTokenInfo& info : all) {
          if (info.id == token.id) ToProto(info, response->mutable_token());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* IdentityAdminServiceImpl::ListEnrollmentTokens(
    grpc::CallbackServerContext* context, const v1::ListEnrollmentTokensRequest* /*request*/,
    v1::ListEnrollmentTokensResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_, [this, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kManageEnrollment, ""));
        ASSIGN_OR_RETURN(AgentIdentities * identities, Identities());
        ASSIGN_OR_RETURN(std::vector<EnrollmentTokenInfo> all, identities->ListEnrollmentTokens());
        for (const EnrollmentTokenInfo& info : all) {
          ToProto(info, response->add_tokens());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* IdentityAdminServiceImpl::RevokeAgent(
    grpc::CallbackServerContext* context, const v1::RevokeAgentRequest* request,
    v1::RevokeAgentResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kRevokeAgents, ""));
        ASSIGN_OR_RETURN(AgentIdentities * identities, Identities());
        RETURN_IF_ERROR(identities->Revoke(request->agent_id(), caller.Actor(), request->reason()));
        // Revoked first, then closed: a reconnect racing with this is refused by the check.
        for (const auto& stream : registry_.Streams("")) {
          if (stream->agent_id() != request->agent_id()) continue;
          stream->Close(absl::PermissionDeniedError(
              absl::StrCat("agent ", request->agent_id(), " was revoked")));
          response->set_stream_closed(true);
        }
        return absl::OkStatus();
      });
}

}  // namespace otasuke::collector
