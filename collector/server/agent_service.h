#pragma once
// AgentService.Connect on gRPC's callback API. One reactor per agent stream; a stream's
// messages are handled strictly in order (the next read starts only after the store committed
// the previous message), which both keeps ack semantics simple and pushes back on a fast agent.
// Many streams share the one writer thread, whose transactions batch them together.
// Limits: streams beyond RateLimits::max_streams, or beyond max_unauthenticated_per_address
// streams without Hello from one peer address, are refused with RESOURCE_EXHAUSTED; a stream
// without Hello after hello_timeout is closed with DEADLINE_EXCEEDED; an agent over its rate is
// not read until its buckets are in credit again (agent_limits.h); invalid messages close the
// stream, are counted and audited.

#include <grpcpp/grpcpp.h>

#include "collector/auth/agent_stream_authorizer.h"
#include "collector/server/agent_limits.h"
#include "collector/server/agent_registry.h"
#include "collector/server/stream_validator.h"
#include "collector/server/worker_pool.h"
#include "collector/store/store.h"
#include "otasuke/v1/agent_service.grpc.pb.h"

namespace otasuke::collector {

struct AgentServiceOptions {
  StreamLimits limits;
  size_t max_outgoing_queue = 16;  // messages queued to one agent beyond the one being written
  // Checks each stream's client certificate against its Hello. Null only in the loopback-only
  // insecure mode, where any Hello is taken at its word.
  const AgentStreamAuthorizer* authorizer = nullptr;
};

class AgentServiceImpl final : public v1::AgentService::CallbackService {
 public:
  AgentServiceImpl(Store& store, AgentRegistry& registry, AgentLimiter& limiter, WorkerPool& pool,
                   AgentServiceOptions options)
      : store_(store), registry_(registry), limiter_(limiter), pool_(pool), options_(options) {}

  grpc::ServerBidiReactor<v1::AgentMessage, v1::CollectorMessage>* Connect(
      grpc::CallbackServerContext* context) override;

 private:
  Store& store_;
  AgentRegistry& registry_;
  AgentLimiter& limiter_;
  WorkerPool& pool_;
  const AgentServiceOptions options_;
};

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace otasuke::collector
