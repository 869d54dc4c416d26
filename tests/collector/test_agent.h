#pragma once
// A real gRPC agent stream for collector tests: sends what the test says, and collects what
// the collector answers on a reader thread.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "otasuke/v1/agent_service.grpc.pb.h"

namespace otasuke::collector::testing {

v1::Hello MakeHello(const std::string& agent_id, const std::string& tenant_id = "tenant-a",
                    const std::string& hostname = "pc-01");

// An alert as an agent raises it. Unset identity fields are filled by the collector.
v1::Alert MakeAlert(uint64_t sequence, const std::string& rule_id = "rule-1",
                    v1::Severity severity = v1::SEVERITY_MEDIUM,
                    const std::string& hostname = "pc-01");

v1::AgentMessage AlertsMessage(const std::vector<v1::Alert>& alerts);

std::shared_ptr<grpc::Channel> TestChannel(int port, int max_message_bytes = 16 << 20);

class TestAgent {
 public:
  explicit TestAgent(std::shared_ptr<grpc::Channel> channel);
  ~TestAgent();

  bool Send(const v1::AgentMessage& message);
  bool SendHello(const v1::Hello& hello);
  bool SendAlerts(const std::vector<v1::Alert>& alerts);
  // Waits until an Ack with sequence >= `sequence` arrived. Returns the highest ack seen.
  bool WaitForAck(uint64_t sequence, absl::Duration timeout = absl::Seconds(20));
  // Waits until a RuleSet arrived; returns it (empty version on time-out).
  v1::RuleSet WaitForRuleSet(absl::Duration timeout = absl::Seconds(20));
  // Waits for the collector to end the stream and returns its status.
  grpc::Status WaitForEnd(absl::Duration timeout = absl::Seconds(20));
  // Half-closes and returns the final status.
  grpc::Status Close();

  std::vector<uint64_t> acks() const;
  uint64_t highest_ack() const;
  bool ended() const;

 private:
  void ReadLoop();

  grpc::ClientContext context_;
  std::unique_ptr<v1::AgentService::Stub> stub_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>> stream_;
  std::thread reader_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> acks_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::RuleSet> rulesets_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool writes_done_ = false;
};

}  // namespace otasuke::collector::testing
