#pragma once
// AgentService.Connect on gRPC's callback API. One reactor per agent stream; a stream's
// messages are stored strictly in order. A stream reads ahead: its next message is read and
// queued to the store while earlier ones wait for their commit (at most
// AgentServiceOptions::read_ahead_writes per stream, and beyond the first only while all streams
// together hold less than read_ahead_bytes), so the gRPC threads parse while the writer thread
// commits and one transaction takes several messages of a stream. The writes of a stream form a
// WriteChain: once one fails, the later ones fail unapplied and the stream closes, so an Ack
// never covers lost alerts. Beyond the limits the stream is not read: HTTP/2 flow control then
// pushes back on a fast agent. Many streams share the one writer thread, whose transactions
// batch them together.
// Limits: streams beyond RateLimits::max_streams, or beyond max_unauthenticated_per_address
// streams without Hello from one peer address, are refused with RESOURCE_EXHAUSTED; a stream
// without Hello after hello_timeout is closed with DEADLINE_EXCEEDED; an agent over its rate is
// not read until its buckets are in credit again (agent_limits.h); invalid messages close the
// stream, are counted and audited.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>

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
  // Messages of one stream queued to the store and not yet committed, at most. 1: the next
  // message is read only after the previous one committed.
  int read_ahead_writes = 8;
  // A stream reads beyond its first uncommitted message only while the messages of all streams
  // waiting for the store are below this size (bytes on the wire): bounds memory when the
  // writer falls behind many agents at once.
  int64_t read_ahead_bytes = 64 << 20;
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
  // Bytes of the messages of all streams queued to the store, not yet committed.
  std::atomic<int64_t> queued_bytes_{0};
};

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace otasuke::collector
