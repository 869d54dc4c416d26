#pragma once
// EnrollmentService: an agent's first call, over server-authenticated TLS without a client
// certificate. The single-use enrollment token in the request is the credential; the answer is
// the agent's client certificate and the CA it pins from then on.

#include <grpcpp/grpcpp.h>

#include "collector/pki/agent_identities.h"
#include "collector/server/worker_pool.h"
#include "otasuke/v1/identity_service.grpc.pb.h"

namespace otasuke::collector {

class EnrollmentServiceImpl final : public v1::EnrollmentService::CallbackService {
 public:
  EnrollmentServiceImpl(AgentIdentities& identities, const CertificateAuthority& ca,
                        WorkerPool& pool)
      : identities_(identities), ca_(ca), pool_(pool) {}

  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* context,
                                   const v1::EnrollRequest* request,
                                   v1::EnrollResponse* response) override;

 private:
  AgentIdentities& identities_;
  const CertificateAuthority& ca_;
  WorkerPool& pool_;
};

}  // namespace otasuke::collector
