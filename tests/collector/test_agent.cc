#include "tests/collector/test_agent.h"

#include "common/uuid.h"

namespace otasuke::collector::testing {

v1::Hello MakeHello(const std::string& agent_id, const std::string& tenant_id,
                    const std::string& hostname) {
  v1::Hello hello;
  hello.set_agent_id(agent_id);
  hello.set_tenant_id(tenant_id);
  hello.set_hostname(hostname);
  hello.set_os("Debian GNU/Linux 12");
  hello.set_agent_version("0.1.0-test");
  hello.set_profile(v1::PROFILE_ENDPOINT);
  return hello;
}

v1::Alert MakeAlert(uint64_t sequence, const std::string& rule_id, v1::Severity severity,
                    const std::string& hostname) {
  v1::Alert alert;
  alert.set_uuid(NewUuid());
  alert.set_sequence(sequence);
  alert.set_hostname(hostname);
  alert.mutable_event_time()->set_seconds(1700000000 + static_cast<int64_t>(sequence));
  alert.mutable_detection_time()->set_seconds(1700000000 + static_cast<int64_t>(sequence));
  alert.mutable_rule()->set_engine(v1::ENGINE_SIGMA);
  alert.mutable_rule()->set_rule_id(rule_id);
  alert.mutable_rule()->set_revision(1);
  alert.set_severity(severity);
  alert.set_title("Script run from a temporary directory");
  alert.mutable_explanation()->set_ja("一時フォルダからスクリプトが実行されました。");
  alert.mutable_explanation()->set_en("A script was run from a temporary directory.");
  alert.mutable_next_step()->set_ja("心当たりがなければサポートに連絡してください。");
  alert.mutable_next_step()->set_en("If you did not expect this, call your helper team.");
  alert.add_mitre_attack("T1059.004");
  alert.mutable_process()->set_pid(4242);
  alert.mutable_process()->set_image("/usr/bin/bash");
  alert.mutable_process()->set_command_line("bash /tmp/x.sh");
  alert.mutable_process()->set_user("yamada");
  return alert;
}

v1::AgentMessage AlertsMessage(const std::vector<v1::Alert>& alerts) {
  v1::AgentMessage message;
  for (const v1::Alert& alert : alerts) *message.mutable_alerts()->add_alerts() = alert;
  return message;
}

std::shared_ptr<grpc::Channel> TestChannel(int port, int max_message_bytes) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(max_message_bytes);
  args.SetMaxReceiveMessageSize(max_message_bytes);
  // Separate connections per test agent, as separate agent processes would have.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials(), args);
}

TestAgent::TestAgent(std::shared_ptr<grpc::Channel> channel)
    : stub_(v1::AgentService::NewStub(channel)) {
  stream_ = stub_->Connect(&context_);
  reader_ = std::thread([this] { ReadLoop(); });
}

TestAgent::~TestAgent() {
  context_.TryCancel();
  if (reader_.joinable()) reader_.join();
}

void TestAgent::ReadLoop() {
  v1::CollectorMessage message;
  while (stream_->Read(&message)) {
    absl::MutexLock lock(&mu_);
    if (message.has_ack()) acks_.push_back(message.ack().sequence());
    if (message.has_ruleset()) rulesets_.push_back(message.ruleset());
  }
  grpc::Status status = stream_->Finish();
  absl::MutexLock lock(&mu_);
  status_ = status;
  ended_ = true;
}

bool TestAgent::Send(const v1::AgentMessage& message) { return stream_->Write(message); }

bool TestAgent::SendHello(const v1::Hello& hello) {
  v1::AgentMessage message;
  *message.mutable_hello() = hello;
  return Send(message);
}

bool TestAgent::SendAlerts(const std::vector<v1::Alert>& alerts) {
  return Send(AlertsMessage(alerts));
}

bool TestAgent::WaitForAck(uint64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto arrived = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (uint64_t ack : acks_) {
      if (ack >= sequence) return true;
    }
    return ended_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  for (uint64_t ack : acks_) {
    if (ack >= sequence) return true;
  }
  return false;
}

v1::RuleSet TestAgent::WaitForRuleSet(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto arrived = [this]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !rulesets_.empty() || ended_; };
  mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  return rulesets_.empty() ? v1::RuleSet() : rulesets_.back();
}

grpc::Status TestAgent::WaitForEnd(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ended_; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&ended), timeout)) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "stream did not end in time");
  }
  return status_;
}

grpc::Status TestAgent::Close() {
  if (!writes_done_) {
    stream_->WritesDone();
    writes_done_ = true;
  }
  return WaitForEnd();
}

std::vector<uint64_t> TestAgent::acks() const {
  absl::MutexLock lock(&mu_);
  return acks_;
}

uint64_t TestAgent::highest_ack() const {
  absl::MutexLock lock(&mu_);
  uint64_t highest = 0;
  for (uint64_t ack : acks_) highest = std::max(highest, ack);
  return highest;
}

bool TestAgent::ended() const {
  absl::MutexLock lock(&mu_);
  return ended_;
}

}  // namespace otasuke::collector::testing
