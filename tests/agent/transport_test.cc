// The agent transport against a real gRPC server on loopback. The server here is a small
// in-test AgentService (the collector's seam), so the test can stop acknowledging, restart,
// and push rule sets at will; the real collector is exercised in tests/integration.

#include "agent/transport/transport.h"

#include <thread>

#include "agent/pipeline/sqlite_alert_spool.h"
#include "agent/transport/ack_deadline.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::agent {
namespace {

using ::otasuke::testing::TempDir;
using otasuke::v1::AgentMessage;
using otasuke::v1::CollectorMessage;

class TestCollector final : public otasuke::v1::AgentService::Service {
 public:
  grpc::Status Connect(grpc::ServerContext* context,
                       grpc::ServerReaderWriter<CollectorMessage, AgentMessage>* stream) override {
    {
      absl::MutexLock lock(&mu_);
      stream_ = stream;
      ++connections_;
    }
    AgentMessage msg;
    while (stream->Read(&msg)) {
      absl::MutexLock lock(&mu_);
      if (msg.has_hello()) hellos_.push_back(msg.hello());
      if (msg.has_heartbeat()) ++heartbeats_;
      if (msg.has_ruleset_status()) statuses_.push_back(msg.ruleset_status());
      if (msg.has_alerts()) {
        uint64_t top = 0;
        for (const auto& a : msg.alerts().alerts()) {
          received_.push_back(a.sequence());
          top = a.sequence();
        }
        if (ack_) {
          CollectorMessage ack;
          ack.mutable_ack()->set_sequence(top);
          stream->Write(ack);
        }
      }
    }
    absl::MutexLock lock(&mu_);
    stream_ = nullptr;
    return grpc::Status::OK;
  }

  void PushRuleSet(const std::string& version) {
    absl::MutexLock lock(&mu_);
    ASSERT_NE(stream_, nullptr);
    CollectorMessage msg;
    msg.mutable_ruleset()->set_version(version);
    stream_->Write(msg);
  }

  bool WaitFor(std::function<bool()> pred) {
    for (int i = 0; i < 400; ++i) {
      {
        absl::MutexLock lock(&mu_);
        if (pred()) return true;
      }
      absl::SleepFor(absl::Milliseconds(25));
    }
    return false;
  }

  absl::Mutex mu_;
  grpc::ServerReaderWriter<CollectorMessage, AgentMessage>* stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool ack_ ABSL_GUARDED_BY(mu_) = true;
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  int heartbeats_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<otasuke::v1::Hello> hellos_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> received_ ABSL_GUARDED_BY(mu_);
  std::vector<otasuke::v1::RuleSetStatus> statuses_ ABSL_GUARDED_BY(mu_);
};

class RecordingDelegate final : public TransportDelegate {
 public:
  otasuke::v1::Hello MakeHello() override {
    otasuke::v1::Hello h;
    h.set_agent_id("agent-t");
    h.set_tenant_id("tenant-t");
    return h;
  }
  void FillHeartbeat(otasuke::v1::Heartbeat* hb) override { hb->set_uptime_seconds(1); }
  void OnRuleSet(otasuke::v1::RuleSet&& rs) override {
    absl::MutexLock lock(&mu);
    rulesets.push_back(rs.version());
  }
  void OnCommand(const otasuke::v1::Command&) override {}
  absl::Mutex mu;
  std::vector<std::string> rulesets ABSL_GUARDED_BY(mu);
};

std::unique_ptr<grpc::Server> StartServer(TestCollector* service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(*port), grpc::InsecureServerCredentials(),
                           port);
  builder.RegisterService(service);
  return builder.BuildAndStart();
}

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = *AgentState::Open(dir_.path(), "agent-t");
    spool_ = *SqliteAlertSpool::Open(dir_.file("alert-spool.db"));
    queue_ = std::make_unique<AlertQueue>(AlertQueueLimits{}, *spool_, *state_, counters_);
  }
  void StartTransport(int port, absl::Duration ack_timeout = absl::Seconds(30)) {
    TransportOptions options{
        .collector_address = "127.0.0.1:" + std::to_string(port),
        .heartbeat_interval = absl::Seconds(1),
        .initial_backoff = absl::Milliseconds(100),
        .max_backoff = absl::Milliseconds(400),
        .connect_timeout = absl::Seconds(1),
        .ack_timeout = ack_timeout,
    };
    transport_ = std::make_unique<Transport>(options, *queue_, delegate_);
    thread_ = std::jthread([this](std::stop_token stop) { transport_->Run(stop); });
  }
  void PushAlerts(int n) {
    for (int i = 0; i < n; ++i) {
      otasuke::v1::Alert a;
      a.set_title("t");
      ASSERT_TRUE(queue_->Push(std::move(a)));
    }
  }

  TempDir dir_;
  AgentCounters counters_;
  std::unique_ptr<AgentState> state_;
  std::unique_ptr<SqliteAlertSpool> spool_;
  std::unique_ptr<AlertQueue> queue_;
  RecordingDelegate delegate_;
  std::unique_ptr<Transport> transport_;
  std::jthread thread_;
};

TEST_F(TransportTest, SendsHelloAlertsAndHeartbeatsAndAppliesAcks) {
  TestCollector collector;
  int port = 0;
  auto server = StartServer(&collector, &port);
  StartTransport(port);
  PushAlerts(10);
  ASSERT_TRUE(collector.WaitFor([&] { return collector.received_.size() == 10; }));
  EXPECT_TRUE(collector.WaitFor([&] { return collector.heartbeats_ >= 1; }));
  ASSERT_EQ(collector.hellos_.size(), 1u);
  EXPECT_EQ(collector.hellos_[0].agent_id(), "agent-t");
  for (int i = 0; i < 100 && queue_->depth() > 0; ++i) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(queue_->depth(), 0u) << "acked alerts are released";
  thread_ = {};
  server->Shutdown();
}

TEST_F(TransportTest, ResendsUnackedAlertsAfterTheCollectorRestarts) {
  int port = 0;
  auto collector = std::make_unique<TestCollector>();
  {
    absl::MutexLock lock(&collector->mu_);
    collector->ack_ = false;  // stores nothing durably: everything must come again
  }
  auto server = StartServer(collector.get(), &port);
  StartTransport(port);
  PushAlerts(5);
  ASSERT_TRUE(collector->WaitFor([&] { return collector->received_.size() == 5; }));
  server->Shutdown(std::chrono::system_clock::now());
  server.reset();

  auto restarted = std::make_unique<TestCollector>();
  auto server2 = StartServer(restarted.get(), &port);
  ASSERT_NE(server2, nullptr);
  ASSERT_TRUE(restarted->WaitFor([&] { return restarted->received_.size() >= 5; }));
  EXPECT_EQ(restarted->received_, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_GE(transport_->reconnects(), 1u);
  thread_ = {};
  server2->Shutdown();
}

TEST_F(TransportTest, AStreamThatAcknowledgesNothingIsClosedAndEverythingResent) {
  // The collector takes alerts and never acknowledges them, like a link that silently stopped
  // forwarding: the transport gives the stream up after ack_timeout and sends them again.
  TestCollector collector;
  {
    absl::MutexLock lock(&collector.mu_);
    collector.ack_ = false;
  }
  int port = 0;
  auto server = StartServer(&collector, &port);
  StartTransport(port, /*ack_timeout=*/absl::Milliseconds(300));
  PushAlerts(5);
  ASSERT_TRUE(collector.WaitFor([&] { return collector.received_.size() >= 10; }));
  EXPECT_GE(transport_->reconnects(), 1u);
  EXPECT_EQ(queue_->depth(), 5u) << "nothing is released without an acknowledgement";
  thread_ = {};
  server->Shutdown();
  absl::MutexLock lock(&collector.mu_);
  EXPECT_GE(collector.connections_, 2);
  EXPECT_EQ(std::vector<uint64_t>(collector.received_.begin(), collector.received_.begin() + 10),
            (std::vector<uint64_t>{1, 2, 3, 4, 5, 1, 2, 3, 4, 5}));
}

TEST_F(TransportTest, AStreamIdleOrAcknowledgingIsKept) {
  // Heartbeats only, then alerts that are acknowledged: no ack timeout, one connection.
  TestCollector collector;
  int port = 0;
  auto server = StartServer(&collector, &port);
  StartTransport(port, /*ack_timeout=*/absl::Milliseconds(300));
  ASSERT_TRUE(collector.WaitFor([&] { return collector.heartbeats_ >= 2; }));
  PushAlerts(20);
  ASSERT_TRUE(collector.WaitFor([&] { return collector.received_.size() >= 20; }));
  absl::SleepFor(absl::Milliseconds(600));
  EXPECT_EQ(transport_->reconnects(), 0u);
  thread_ = {};
  server->Shutdown();
}

TEST(AckDeadlineTest, ExpiresOnlyWhileSentAlertsWaitWithoutProgress) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  AckDeadline deadline(absl::Seconds(30), clock);
  clock.Advance(absl::Hours(1));
  EXPECT_FALSE(deadline.Expired()) << "nothing sent: an idle stream never expires";
  deadline.Sent(10);
  clock.Advance(absl::Seconds(29));
  EXPECT_FALSE(deadline.Expired());
  deadline.Sent(20);  // more sent does not restart the wait for the oldest
  clock.Advance(absl::Seconds(2));
  EXPECT_TRUE(deadline.Expired());
  EXPECT_EQ(deadline.unacknowledged(), 20u);
  deadline.Acked(10);  // progress restarts it
  EXPECT_FALSE(deadline.Expired());
  clock.Advance(absl::Seconds(31));
  EXPECT_TRUE(deadline.Expired());
  deadline.Acked(5);  // an older acknowledgement is no progress
  EXPECT_TRUE(deadline.Expired());
  deadline.Acked(20);
  clock.Advance(absl::Hours(1));
  EXPECT_FALSE(deadline.Expired()) << "everything acknowledged";
  EXPECT_EQ(deadline.unacknowledged(), 0u);
}

// The watchdog sleeps for UntilExpiry(): never past an expiry, and a whole timeout when idle.
TEST(AckDeadlineTest, UntilExpiryIsTheTimeLeftOrAWholeTimeoutWhenNothingWaits) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  AckDeadline deadline(absl::Seconds(30), clock);
  EXPECT_EQ(deadline.UntilExpiry(), absl::Seconds(30)) << "nothing sent";
  deadline.Sent(10);
  clock.Advance(absl::Seconds(12));
  EXPECT_EQ(deadline.UntilExpiry(), absl::Seconds(18));
  deadline.Acked(5);  // progress restarts the wait
  EXPECT_EQ(deadline.UntilExpiry(), absl::Seconds(30));
  clock.Advance(absl::Seconds(40));
  EXPECT_EQ(deadline.UntilExpiry(), absl::ZeroDuration()) << "expired: check now";
  EXPECT_TRUE(deadline.Expired());
  deadline.Acked(10);
  EXPECT_EQ(deadline.UntilExpiry(), absl::Seconds(30)) << "everything acknowledged";
}

TEST_F(TransportTest, DeliversPushedRuleSetsAndSendsStatus) {
  TestCollector collector;
  int port = 0;
  auto server = StartServer(&collector, &port);
  StartTransport(port);
  ASSERT_TRUE(collector.WaitFor([&] { return collector.stream_ != nullptr; }));
  collector.PushRuleSet("rs-9");
  for (int i = 0; i < 200; ++i) {
    absl::MutexLock lock(&delegate_.mu);
    if (!delegate_.rulesets.empty()) break;
    delegate_.mu.Unlock();
    absl::SleepFor(absl::Milliseconds(20));
    delegate_.mu.Lock();
  }
  {
    absl::MutexLock lock(&delegate_.mu);
    ASSERT_EQ(delegate_.rulesets, std::vector<std::string>{"rs-9"});
  }
  AgentMessage status;
  status.mutable_ruleset_status()->set_version("rs-9");
  status.mutable_ruleset_status()->set_accepted(true);
  transport_->Send(status);
  ASSERT_TRUE(collector.WaitFor([&] { return collector.statuses_.size() == 1; }));
  EXPECT_TRUE(collector.statuses_[0].accepted());
  thread_ = {};
  server->Shutdown();
}

TEST_F(TransportTest, UnreachableCollectorKeepsAlertsAndStopsPromptly) {
  // Port 1 on loopback: nothing listens there.
  StartTransport(1);
  PushAlerts(3);
  absl::SleepFor(absl::Milliseconds(600));
  EXPECT_FALSE(transport_->connected());
  EXPECT_EQ(queue_->depth(), 3u) << "nothing is lost while the collector is away";
  const absl::Time start = absl::Now();
  thread_ = {};  // request stop + join
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

}  // namespace
}  // namespace otasuke::agent
