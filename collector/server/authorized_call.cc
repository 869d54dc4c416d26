#include "collector/server/authorized_call.h"

#include "collector/server/agent_service.h"
#include "common/log.h"

namespace otasuke::collector {

grpc::ServerUnaryReactor* DeferredCall(grpc::CallbackServerContext* context, WorkerPool& pool,
                                       std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  bool posted = pool.Post([context, reactor, work = std::move(work)] {
    absl::Status status = work();
    if (absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status)) {
      LOG_WARN("call from %s refused: %s", context->peer(), status.message());
    }
    reactor->Finish(ToGrpcStatus(status));
  });
  if (!posted) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector is shutting down"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* AuthorizedCall(grpc::CallbackServerContext* context, WorkerPool& pool,
                                         const Authenticator& authenticator,
                                         std::function<absl::Status(const Principal&)> work) {
  return DeferredCall(context, pool, [context, &authenticator, work = std::move(work)] {
    absl::StatusOr<Principal> principal = authenticator.Authenticate(*context);
    return principal.ok() ? work(*principal) : principal.status();
  });
}

}  // namespace otasuke::collector
