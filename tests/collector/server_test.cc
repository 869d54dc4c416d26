// The collector assembled as in production (CollectorApp) with a real gRPC server on
// 127.0.0.1:0, driven by real client streams.

#include <algorithm>
#include <thread>

#include "absl/strings/strip.h"
#include "collector/app/collector_app.h"
#include "collector/store/sqlite_db.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "otasuke/v1/console_service.grpc.pb.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::TestAgent;
using ::otasuke::collector::testing::TestChannel;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::WaitUntil;
using ::testing::HasSubstr;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start(int64_t max_message_bytes = 1 << 20) {
    CollectorConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_.file("data");
    config.max_message_bytes = max_message_bytes;
    config.transport_security = "insecure";  // these tests are about the stream, not identity
    app_ = std::make_unique<CollectorApp>(config, clock_);
    ASSERT_THAT(app_->Start(), IsOk());
    port_ = app_->port();
    ASSERT_GT(port_, 0);
  }

  std::unique_ptr<TestAgent> Connect(const v1::Hello& hello) {
    auto agent = std::make_unique<TestAgent>(TestChannel(port_));
    EXPECT_TRUE(agent->SendHello(hello));
    EXPECT_TRUE(WaitUntil(absl::Seconds(20), [&] { return !agent->acks().empty(); }))
        << "no Ack after Hello";
    return agent;
  }

  int64_t Count(const char* sql) {
    auto db = SqliteDb::Open(app_->database_path(), {});
    EXPECT_THAT(db, IsOk());
    auto stmt = (*db)->Prepare(sql);
    EXPECT_THAT(stmt, IsOk());
    EXPECT_THAT(stmt->Step(), IsOk());
    return stmt->Int(0);
  }

  std::unique_ptr<v1::ConsoleService::Stub> Console() {
    return v1::ConsoleService::NewStub(TestChannel(port_));
  }
  // Console calls authenticate with the bootstrap admin token the first start wrote.
  void AsAdmin(grpc::ClientContext& ctx) {
    std::string token(
        absl::StripAsciiWhitespace(otasuke::testing::ReadFileOrEmpty(app_->admin_token_path())));
    ctx.AddMetadata("authorization", "Bearer " + token);
  }

  otasuke::testing::TempDir dir_;
  RealClock& clock_ = RealClock::Get();
  std::unique_ptr<CollectorApp> app_;
  int port_ = 0;
};

TEST_F(ServerTest, AckComesOnlyAfterTheAlertsAreCommitted) {
  auto agent = Connect(MakeHello("agent-1"));
  EXPECT_EQ(agent->acks().front(), 0u);  // nothing stored yet
  ASSERT_TRUE(agent->SendAlerts({MakeAlert(1), MakeAlert(2), MakeAlert(3)}));
  ASSERT_TRUE(agent->WaitForAck(3));
  // Read through a separate connection: what was acked is in the database file.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts WHERE agent_id = 'agent-1'"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_TRUE(agent->Close().ok());
}

TEST_F(ServerTest, BatchesSentWithoutWaitingAreAllAckedBeforeTheStreamEnds) {
  // The collector reads a stream's next batches while earlier ones wait for their commit; an
  // agent that half-closes right after sending still gets every Ack before the stream ends.
  auto agent = Connect(MakeHello("agent-1"));
  uint64_t sequence = 0;
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<v1::Alert> alerts;
    for (int i = 0; i < 5; ++i) alerts.push_back(MakeAlert(++sequence));
    ASSERT_TRUE(agent->SendAlerts(alerts));
  }
  EXPECT_TRUE(agent->Close().ok());
  EXPECT_EQ(agent->highest_ack(), 100u);
  std::vector<uint64_t> acks = agent->acks();
  EXPECT_TRUE(std::is_sorted(acks.begin(), acks.end()));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts WHERE agent_id = 'agent-1'"), 100);
}

TEST_F(ServerTest, AReconnectingAgentLearnsWhatIsStoredAndResendsAreNotStoredTwice) {
  std::vector<v1::Alert> alerts;
  for (uint64_t seq = 1; seq <= 7; ++seq) alerts.push_back(MakeAlert(seq));
  {
    auto agent = Connect(MakeHello("agent-1"));
    ASSERT_TRUE(agent->SendAlerts({alerts.begin(), alerts.begin() + 5}));
    ASSERT_TRUE(agent->WaitForAck(5));
  }  // the stream is cancelled, as when the link drops
  auto agent = Connect(MakeHello("agent-1"));
  EXPECT_EQ(agent->acks().front(), 5u);
  // The agent did not see the ack for 3..5 (say) and resends them with the new ones.
  ASSERT_TRUE(agent->SendAlerts({alerts.begin() + 2, alerts.end()}));
  ASSERT_TRUE(agent->WaitForAck(7));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts"), 7);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT sequence) FROM alerts"), 7);
}

TEST_F(ServerTest, ASecondHelloForTheSameAgentClosesTheOldStream) {
  auto old_stream = Connect(MakeHello("agent-1"));
  auto new_stream = Connect(MakeHello("agent-1"));
  grpc::Status status = old_stream->WaitForEnd();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(), HasSubstr("replaced by a newer stream"));
  ASSERT_TRUE(new_stream->SendAlerts({MakeAlert(1)}));
  EXPECT_TRUE(new_stream->WaitForAck(1));
  EXPECT_EQ(app_->registry().size(), 1u);
  EXPECT_EQ(Count("SELECT connected FROM agents WHERE id = 'agent-1'"), 1);
}

TEST_F(ServerTest, DisconnectClearsTheConnectedFlag) {
  auto agent = Connect(MakeHello("agent-1"));
  EXPECT_TRUE(agent->Close().ok());
  EXPECT_TRUE(WaitUntil(absl::Seconds(20), [&] {
    return Count("SELECT connected FROM agents WHERE id = 'agent-1'") == 0;
  }));
}

TEST_F(ServerTest, OversizedMessageIsRejectedCleanlyAndNothingIsLost) {
  app_.reset();
  Start(/*max_message_bytes=*/64 << 10);
  auto agent = Connect(MakeHello("agent-1"));
  ASSERT_TRUE(agent->SendAlerts({MakeAlert(1)}));
  ASSERT_TRUE(agent->WaitForAck(1));
  v1::Alert big = MakeAlert(2);
  big.set_raw_evidence(std::string(200 << 10, 'x'));
  agent->SendAlerts({big});
  grpc::Status status = agent->WaitForEnd();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts"), 1);
  // The collector keeps serving.
  auto again = Connect(MakeHello("agent-1"));
  EXPECT_EQ(again->acks().front(), 1u);
  ASSERT_TRUE(again->SendAlerts({MakeAlert(2)}));
  EXPECT_TRUE(again->WaitForAck(2));
}

struct BadStreamCase {
  std::string name;
  std::function<void(TestAgent&)> send;
  grpc::StatusCode code;
  std::string message;
};

TEST_F(ServerTest, MalformedStreamsEndWithAClearStatus) {
  std::vector<BadStreamCase> cases = {
      {"alerts before Hello", [](TestAgent& a) { a.SendAlerts({MakeAlert(1)}); },
       grpc::StatusCode::FAILED_PRECONDITION, "first message of a stream must be Hello"},
      {"empty message", [](TestAgent& a) { a.Send(v1::AgentMessage()); },
       grpc::StatusCode::INVALID_ARGUMENT, "empty AgentMessage"},
      {"Hello without agent id", [](TestAgent& a) { a.SendHello(MakeHello("")); },
       grpc::StatusCode::INVALID_ARGUMENT, "Hello.agent_id is empty"},
      {"agent id with a slash", [](TestAgent& a) { a.SendHello(MakeHello("../etc")); },
       grpc::StatusCode::INVALID_ARGUMENT, "has characters other than"},
      {"sequence going backwards",
       [](TestAgent& a) {
         a.SendHello(MakeHello("agent-b"));
         a.SendAlerts({MakeAlert(5), MakeAlert(4)});
       },
       grpc::StatusCode::INVALID_ARGUMENT, "sequences must strictly increase"},
      {"alert claiming another agent",
       [](TestAgent& a) {
         a.SendHello(MakeHello("agent-c"));
         v1::Alert alert = MakeAlert(1);
         alert.set_agent_id("someone-else");
         a.SendAlerts({alert});
       },
       grpc::StatusCode::PERMISSION_DENIED, "differs from the stream's agent"},
      {"alert without uuid",
       [](TestAgent& a) {
         a.SendHello(MakeHello("agent-d"));
         v1::Alert alert = MakeAlert(1);
         alert.clear_uuid();
         a.SendAlerts({alert});
       },
       grpc::StatusCode::INVALID_ARGUMENT, "is not a UUID"},
  };
  for (const BadStreamCase& c : cases) {
    SCOPED_TRACE(c.name);
    TestAgent agent(TestChannel(port_));
    c.send(agent);
    grpc::Status status = agent.WaitForEnd();
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.message));
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts"), 0);
}

TEST_F(ServerTest, ManyAgentsStreamAtOnce) {
  constexpr int kAgents = 32;
  constexpr int kBatches = 5;
  constexpr int kPerBatch = 10;
  std::vector<std::thread> threads;
  std::atomic<int> acked{0};
  for (int i = 0; i < kAgents; ++i) {
    threads.emplace_back([&, i] {
      TestAgent agent(TestChannel(port_));
      std::string id = "agent-" + std::to_string(i);
      agent.SendHello(MakeHello(id, "tenant-" + std::to_string(i % 4), "host-" + id));
      uint64_t seq = 0;
      for (int b = 0; b < kBatches; ++b) {
        std::vector<v1::Alert> batch;
        for (int k = 0; k < kPerBatch; ++k) {
          batch.push_back(
              MakeAlert(++seq, "rule-" + std::to_string(k % 3), v1::SEVERITY_LOW, "host-" + id));
          batch.back().mutable_process()->set_pid(1000 + k % 3);  // a process per rule
        }
        agent.SendAlerts(batch);
      }
      if (agent.WaitForAck(seq, absl::Seconds(60))) acked++;
      agent.Close();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(acked.load(), kAgents);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts"), kAgents * kBatches * kPerBatch);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), kAgents * 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM agents"), kAgents);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tenants"), 4);
}

TEST_F(ServerTest, HeartbeatsReachTheAgentRow) {
  auto agent = Connect(MakeHello("agent-1"));
  v1::AgentMessage message;
  message.mutable_heartbeat()->set_uptime_seconds(1234);
  message.mutable_heartbeat()->set_events_seen(99);
  ASSERT_TRUE(agent->Send(message));
  auto console = Console();
  EXPECT_TRUE(WaitUntil(absl::Seconds(20), [&] {
    grpc::ClientContext ctx;
    AsAdmin(ctx);
    v1::ListAgentsResponse response;
    if (!console->ListAgents(&ctx, v1::ListAgentsRequest(), &response).ok()) return false;
    return response.agents_size() == 1 &&
           response.agents(0).last_heartbeat().uptime_seconds() == 1234;
  }));
}

TEST_F(ServerTest, PushedRuleSetsReachConnectedAgentsAndLateComers) {
  auto tenant_a = Connect(MakeHello("agent-a", "tenant-a"));
  auto tenant_b = Connect(MakeHello("agent-b", "tenant-b"));
  v1::PushRuleSetRequest request;
  request.set_tenant_id("tenant-a");
  request.mutable_ruleset()->set_version("v1");
  v1::RuleFile* file = request.mutable_ruleset()->add_files();
  file->set_path("tmp_exec.yml");
  file->set_format(v1::RULE_FORMAT_SIGMA);
  file->set_content("title: x\n");
  v1::PushRuleSetResponse response;
  {
    grpc::ClientContext ctx;
    AsAdmin(ctx);
    ASSERT_TRUE(Console()->PushRuleSet(&ctx, request, &response).ok());
  }
  EXPECT_EQ(response.agents_notified(), 1u);
  EXPECT_EQ(tenant_a->WaitForRuleSet().version(), "v1");
  EXPECT_EQ(tenant_b->WaitForRuleSet(absl::Milliseconds(200)).version(), "");

  // An agent of tenant-a that connects with an old version gets the latest at once.
  v1::Hello stale = MakeHello("agent-a2", "tenant-a");
  stale.set_ruleset_version("v0");
  auto late = Connect(stale);
  EXPECT_EQ(late->WaitForRuleSet().version(), "v1");
  EXPECT_EQ(late->WaitForRuleSet().files(0).content(), "title: x\n");

  // The agent rejects it: recorded in the audit log with the agent's error.
  v1::AgentMessage status;
  status.mutable_ruleset_status()->set_version("v1");
  status.mutable_ruleset_status()->set_error("tmp_exec.yml:1: missing 'detection'");
  ASSERT_TRUE(late->Send(status));
  EXPECT_TRUE(WaitUntil(absl::Seconds(20), [&] {
    return Count(
               "SELECT COUNT(*) FROM audit_log WHERE action = 'ruleset.rejected' AND detail "
               "LIKE '%missing ''detection''%'") == 1;
  }));
}

TEST_F(ServerTest, InvalidRuleSetIsRefused) {
  v1::PushRuleSetRequest request;
  request.mutable_ruleset()->set_version("v1");
  v1::PushRuleSetResponse response;
  grpc::ClientContext ctx;
  AsAdmin(ctx);
  grpc::Status status = Console()->PushRuleSet(&ctx, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("no files"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM rulesets"), 0);
}

TEST_F(ServerTest, ConsoleListsWhatWasStored) {
  auto agent = Connect(MakeHello("agent-1"));
  v1::Alert other_process = MakeAlert(2, "r2");
  other_process.mutable_process()->set_pid(4343);  // shares no entity with the first: its own
  ASSERT_TRUE(agent->SendAlerts({MakeAlert(1, "r1", v1::SEVERITY_HIGH), other_process}));
  ASSERT_TRUE(agent->WaitForAck(2));
  auto console = Console();
  grpc::ClientContext c1, c2;
  AsAdmin(c1);
  AsAdmin(c2);
  v1::ListAlertsRequest alerts_request;
  alerts_request.set_limit(1);
  v1::ListAlertsResponse alerts;
  ASSERT_TRUE(console->ListAlerts(&c1, alerts_request, &alerts).ok());
  ASSERT_EQ(alerts.alerts_size(), 1);
  EXPECT_EQ(alerts.alerts(0).sequence(), 2u);
  EXPECT_EQ(alerts.alerts(0).agent_id(), "agent-1");  // filled from the stream's Hello
  EXPECT_EQ(alerts.alerts(0).tenant_id(), "tenant-a");
  v1::ListIncidentsResponse incidents;
  ASSERT_TRUE(console->ListIncidents(&c2, v1::ListIncidentsRequest(), &incidents).ok());
  EXPECT_EQ(incidents.incidents_size(), 2);
}

}  // namespace
}  // namespace otasuke::collector
