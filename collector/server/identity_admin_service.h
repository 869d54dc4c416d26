#pragma once
// IdentityAdminService for otasukectl: console tokens (admin only), enrollment tokens and agent
// revocation (admin and lead). Every change is audited with the caller's token name as the
// actor. Without TLS (the loopback demo mode) there is no CA, and the agent calls say so.

#include <grpcpp/grpcpp.h>

#include "collector/auth/authenticator.h"
#include "collector/auth/console_tokens.h"
#include "collector/pki/agent_identities.h"
#include "collector/server/agent_registry.h"
#include "collector/server/worker_pool.h"
#include "otasuke/v1/identity_service.grpc.pb.h"

namespace otasuke::collector {

class IdentityAdminServiceImpl final : public v1::IdentityAdminService::CallbackService {
 public:
  // `identities` and `ca` are null in insecure mode.
  IdentityAdminServiceImpl(ConsoleTokenStore& tokens, AgentIdentities* identities,
                           const CertificateAuthority* ca, AgentRegistry& registry,
                           WorkerPool& pool, const Authenticator& authenticator)
      : tokens_(tokens),
        identities_(identities),
        ca_(ca),
        registry_(registry),
        pool_(pool),
        authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* CreateConsoleToken(grpc::CallbackServerContext* context,
                                               const v1::CreateConsoleTokenRequest* request,
                                               v1::CreateConsoleTokenResponse* response) override;
  grpc::ServerUnaryReactor* ListConsoleTokens(grpc::CallbackServerContext* context,
                                              const v1::ListConsoleTokensRequest* request,
                                              v1::ListConsoleTokensResponse* response) override;
  grpc::ServerUnaryReactor* RevokeConsoleToken(grpc::CallbackServerContext* context,
                                               const v1::RevokeConsoleTokenRequest* request,
                                               v1::RevokeConsoleTokenResponse* response) override;

  grpc::ServerUnaryReactor* CreateEnrollmentToken(
      grpc::CallbackServerContext* context, const v1::CreateEnrollmentTokenRequest* request,
      v1::CreateEnrollmentTokenResponse* response) override;
  grpc::ServerUnaryReactor* ListEnrollmentTokens(
      grpc::CallbackServerContext* context, const v1::ListEnrollmentTokensRequest* request,
      v1::ListEnrollmentTokensResponse* response) override;
  grpc::ServerUnaryReactor* RevokeAgent(grpc::CallbackServerContext* context,
                                        const v1::RevokeAgentRequest* request,
                                        v1::RevokeAgentResponse* response) override;

 private:
  absl::StatusOr<AgentIdentities*> Identities() const;

  ConsoleTokenStore& tokens_;
  AgentIdentities* identities_;
  const CertificateAuthority* ca_;
  AgentRegistry& registry_;
  WorkerPool& pool_;
  const Authenticator& authenticator_;
};

}  // namespace otasuke::collector
