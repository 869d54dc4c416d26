#include "collector/server/enrollment_service.h"

#include "collector/server/authorized_call.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace otasuke::collector {

grpc::ServerUnaryReactor* EnrollmentServiceImpl::Enroll(grpc::CallbackServerContext* context,
                                                        const v1::EnrollRequest* request,
                                                        v1::EnrollResponse* response) {
  return DeferredCall(context, pool_, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(IssuedCertificate issued, identities_.Enroll({.token = request->token(),
                                                                   .agent_id = request->agent_id(),
                                                                   .hostname = request->hostname(),
                                                                   .csr_pem = request->csr_pem()}));
    response->set_certificate_pem(issued.pem);
    response->set_ca_certificate_pem(ca_.ca_pem());
    LOG_INFO("enrolled agent %s (host %s): certificate %s", request->agent_id(),
             request->hostname(), issued.serial);
    return absl::OkStatus();
  });
}

}  // namespace otasuke::collector
