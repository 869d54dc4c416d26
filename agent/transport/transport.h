#pragma once
// The agent's one connection to the collector: a single AgentService.Connect bidirectional
// stream. It sends Hello, then alert batches from the AlertQueue and periodic heartbeats;
// it applies Acks to the queue and hands RuleSets and Commands to its delegate. When the
// stream breaks, or stops acknowledging (a silently dead link), it reconnects with exponential
// backoff and jitter, then resends everything not yet acknowledged.

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/pipeline/alert_queue.h"
#include "agent/transport/ack_deadline.h"
#include "common/clock.h"
#include "grpcpp/grpcpp.h"
#include "otasuke/v1/agent_service.grpc.pb.h"

namespace otasuke::agent {

struct TransportOptions {
  std::string collector_address = "127.0.0.1:7443";
  // Credentials seam: mTLS from enrollment (agent/identity/), or insecure for the loopback demo.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string tls_target_name;  // the name the server certificate must carry (mTLS only)
  size_t max_message_bytes = 4 << 20;
  size_t max_batch_alerts = 256;
  absl::Duration heartbeat_interval = absl::Seconds(30);
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  absl::Duration connect_timeout = absl::Seconds(10);
  // A silently dead link (no FIN, no RST): with alerts in flight, noticed when none is
  // acknowledged for ack_timeout (ack_deadline.h); on an idle stream, by HTTP/2 keepalive pings
  // every keepalive_interval that must be answered within keepalive_timeout. The collector
  // accepts pings at most every 10 s.
  absl::Duration ack_timeout = absl::Seconds(30);
  absl::Duration keepalive_interval = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // The ack watchdog's clock (tests drive it); null: the real clock.
  const Clock* clock = nullptr;
};

// What the transport needs from the rest of the agent. Called on transport threads.
class TransportDelegate {
 public:
  virtual ~TransportDelegate() = default;
  virtual otasuke::v1::Hello MakeHello() = 0;
  virtual void FillHeartbeat(otasuke::v1::Heartbeat* heartbeat) = 0;
  // Must not block for long: compile elsewhere.
  virtual void OnRuleSet(otasuke::v1::RuleSet&& ruleset) = 0;
  virtual void OnCommand(const otasuke::v1::Command& command) = 0;
};

class Transport {
 public:
  Transport(TransportOptions options, AlertQueue& queue, TransportDelegate& delegate);

  // Runs until stop is requested. Never returns an error: every failure is a reconnect.
  void Run(std::stop_token stop);

  // Queues a control message (e.g. RuleSetStatus) to send on the current or next stream.
  void Send(otasuke::v1::AgentMessage message);

  bool connected() const;
  uint64_t reconnects() const;

 private:
  // One stream's life: connect, hello, exchange until it breaks or stop. Returns why it ended.
  absl::Status RunStream(std::stop_token stop);
  bool WriteOutbox(
      grpc::ClientReaderWriter<otasuke::v1::AgentMessage, otasuke::v1::CollectorMessage>& stream);
  void HandleMessage(const otasuke::v1::CollectorMessage& message);
  // Cancels `context` once `deadline` expires, checking until `done`; true if it did.
  static bool WatchAcks(const AckDeadline& deadline, grpc::ClientContext& context,
                        std::stop_token done);
  void CancelCurrentStream();

  const TransportOptions options_;
  AlertQueue& queue_;
  TransportDelegate& delegate_;

  mutable absl::Mutex mu_;
  grpc::ClientContext* current_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<otasuke::v1::AgentMessage> outbox_ ABSL_GUARDED_BY(mu_);
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t reconnects_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace otasuke::agent
