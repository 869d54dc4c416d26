#pragma once
// The shape of every console-side unary call: authenticate the caller's token, then run the
// call's work (which authorises what it needs and does it) on the worker pool, never on a gRPC
// thread, and finish the call with the resulting status.

#include <grpcpp/grpcpp.h>

#include <functional>

#include "absl/status/status.h"
#include "collector/auth/authenticator.h"
#include "collector/auth/principal.h"
#include "collector/server/worker_pool.h"

namespace otasuke::collector {

// Runs `work` on the pool and finishes the call with its status (for calls that authenticate
// by other means, such as enrollment's single-use token).
grpc::ServerUnaryReactor* DeferredCall(grpc::CallbackServerContext* context, WorkerPool& pool,
                                       std::function<absl::Status()> work);

grpc::ServerUnaryReactor* AuthorizedCall(grpc::CallbackServerContext* context, WorkerPool& pool,
                                         const Authenticator& authenticator,
                                         std::function<absl::Status(const Principal&)> work);

}  // namespace otasuke::collector
