// Webhook notifications against a real local HTTP receiver, with a ManualClock driving the
// retry schedule (no sleeps).

#include <future>
#include <nlohmann/json.hpp>

#include "collector/incident/rule_window_grouper.h"
#include "collector/notify/dispatcher.h"
#include "collector/notify/webhook_notifier.h"
#include "collector/store/sqlite_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/sql_rows.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::testing::IsOk;
using ::otasuke::tools::WebhookSink;

class NotifierTest : public ::testing::Test {
 protected:
  void StartSink(int fail_first) {
    sink_ = std::make_unique<WebhookSink>(WebhookSink::Options{.fail_first = fail_first});
    auto port = sink_->Start();
    ASSERT_THAT(port, IsOk());
    url_ = "http://127.0.0.1:" + std::to_string(*port) + "/hooks/otasuke";
  }

  void OpenStore(const std::string& url) {
    SqliteStore::Options options;
    options.path = path_;
    options.notification_channels = {{.channel = "webhook", .target = url}};
    auto store = SqliteStore::Open(std::move(options), clock_, grouper_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
  }

  void RaiseIncident() {
    std::promise<absl::StatusOr<AgentState>> hello;
    store_->UpsertAgent(MakeHello("agent-1", "tenant-a", "office-pc"),
                        [&](auto s) { hello.set_value(s); });
    ASSERT_THAT(hello.get_future().get(), IsOk());
    v1::Alert alert = MakeAlert(1, "rule-1", v1::SEVERITY_HIGH, "office-pc");
    alert.set_agent_id("agent-1");
    alert.set_tenant_id("tenant-a");
    std::promise<absl::StatusOr<IngestResult>> ingest;
    store_->IngestAlerts("agent-1", {alert}, [&](auto r) { ingest.set_value(r); });
    ASSERT_THAT(ingest.get_future().get(), IsOk());
  }

  std::unique_ptr<NotificationDispatcher> Dispatcher(int max_attempts, std::string secret = "") {
    auto dispatcher = std::make_unique<NotificationDispatcher>(
        *store_, clock_,
        DispatcherOptions{.max_attempts = max_attempts,
                          .initial_backoff = absl::Seconds(2),
                          .max_backoff = absl::Seconds(30)});
    EXPECT_THAT(dispatcher->AddNotifier(std::make_unique<WebhookNotifier>(
                    WebhookNotifier::Options{.secret = secret, .timeout = absl::Seconds(10)})),
                IsOk());
    return dispatcher;
  }

  std::vector<std::vector<std::string>> Rows(const char* sql, int columns) {
    return testing::QueryRows(path_, sql, columns);
  }

  otasuke::testing::TempDir dir_;
  std::string path_ = dir_.file("collector.db");
  ManualClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  RuleWindowGrouper grouper_{absl::Hours(1)};
  std::unique_ptr<WebhookSink> sink_;
  std::string url_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(NotifierTest, DeliversTheIncidentWithExplanationAndSignature) {
  StartSink(0);
  OpenStore(url_);
  RaiseIncident();
  auto dispatcher = Dispatcher(5, "s3cret");
  auto made = dispatcher->RunDue();
  ASSERT_THAT(made, IsOk());
  EXPECT_EQ(*made, 1);
  auto requests = sink_->requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/hooks/otasuke");
  EXPECT_EQ(request.headers.at("x-otasuke-signature"), WebhookSignature("s3cret", request.body));
  EXPECT_EQ(request.headers.at("content-type"), "application/json; charset=utf-8");
  nlohmann::json body = nlohmann::json::parse(request.body);
  EXPECT_EQ(body["event"], "incident.created");
  EXPECT_EQ(body["hostname"], "office-pc");
  EXPECT_EQ(body["user"], "yamada");
  EXPECT_EQ(body["severity"], "high");
  EXPECT_EQ(body["explanation"]["ja"], "一時フォルダからスクリプトが実行されました。");
  EXPECT_EQ(body["next_step"]["en"], "If you did not expect this, call your helper team.");
  EXPECT_LE(body["dedup_key"].get<std::string>().size(), 255u);
  EXPECT_EQ(Rows("SELECT state, attempts FROM notifications", 2),
            (std::vector<std::vector<std::string>>{{"sent", "1"}}));
  // Nothing left to do.
  EXPECT_EQ(*dispatcher->RunDue(), 0);
}

TEST(WebhookSignatureTest, MatchesAKnownHmacSha256) {
  // RFC 4231 test case 2.
  EXPECT_EQ(WebhookSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(NotifierTest, RetriesWithExponentialBackoffUntilDelivered) {
  StartSink(/*fail_first=*/2);
  OpenStore(url_);
  RaiseIncident();
  auto dispatcher = Dispatcher(5);
  ASSERT_EQ(*dispatcher->RunDue(), 1);  // attempt 1: HTTP 500
  EXPECT_EQ(*dispatcher->RunDue(), 0);  // not due yet
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(*dispatcher->RunDue(), 0);  // still within the 2 s backoff
  clock_.Advance(absl::Seconds(1));
  ASSERT_EQ(*dispatcher->RunDue(), 1);  // attempt 2: HTTP 500
  clock_.Advance(absl::Seconds(3));
  EXPECT_EQ(*dispatcher->RunDue(), 0);  // backoff doubled to 4 s
  clock_.Advance(absl::Seconds(1));
  ASSERT_EQ(*dispatcher->RunDue(), 1);  // attempt 3: delivered
  EXPECT_EQ(Rows("SELECT attempt, ok, http_status FROM notification_attempts ORDER BY id", 3),
            (std::vector<std::vector<std::string>>{
                {"1", "0", "500"}, {"2", "0", "500"}, {"3", "1", "200"}}));
  EXPECT_EQ(Rows("SELECT state, attempts FROM notifications", 2),
            (std::vector<std::vector<std::string>>{{"sent", "3"}}));
  EXPECT_EQ(sink_->requests().size(), 3u);
}

TEST_F(NotifierTest, MarksTheNotificationFailedAfterMaxAttempts) {
  StartSink(/*fail_first=*/100);
  OpenStore(url_);
  RaiseIncident();
  auto dispatcher = Dispatcher(3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(*dispatcher->RunDue(), 1);
    clock_.Advance(absl::Minutes(1));
  }
  EXPECT_EQ(*dispatcher->RunDue(), 0);  // given up
  EXPECT_EQ(
      Rows("SELECT state, attempts, last_error FROM notifications", 3),
      (std::vector<std::vector<std::string>>{{"failed", "3", "POST " + url_ + ": HTTP 500"}}));
  EXPECT_EQ(dispatcher->counters().given_up, 1u);
}

TEST_F(NotifierTest, AnUnreachableEndpointIsRecordedAsAFailedAttempt) {
  // Bind and release a port so nothing listens there.
  StartSink(0);
  std::string dead_url = url_;
  sink_->Stop();
  OpenStore(dead_url);
  RaiseIncident();
  auto dispatcher = Dispatcher(2);
  ASSERT_EQ(*dispatcher->RunDue(), 1);
  auto attempts = Rows("SELECT ok, http_status, error FROM notification_attempts", 3);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0][0], "0");
  EXPECT_EQ(attempts[0][1], "0");
  EXPECT_THAT(attempts[0][2], ::testing::HasSubstr("POST " + dead_url));
}

TEST_F(NotifierTest, BackoffDoublesUpToTheCap) {
  OpenStore("http://127.0.0.1:9/");
  auto dispatcher = Dispatcher(10);
  EXPECT_EQ(dispatcher->BackoffAfter(1), absl::Seconds(2));
  EXPECT_EQ(dispatcher->BackoffAfter(2), absl::Seconds(4));
  EXPECT_EQ(dispatcher->BackoffAfter(4), absl::Seconds(16));
  EXPECT_EQ(dispatcher->BackoffAfter(5), absl::Seconds(30));
  EXPECT_EQ(dispatcher->BackoffAfter(50), absl::Seconds(30));
}

TEST_F(NotifierTest, ASecondNotifierForAChannelIsRefused) {
  OpenStore("http://127.0.0.1:9/");
  auto dispatcher = Dispatcher(1);
  EXPECT_THAT(
      dispatcher->AddNotifier(std::make_unique<WebhookNotifier>(WebhookNotifier::Options{})),
      ::otasuke::testing::StatusIs(absl::StatusCode::kAlreadyExists, "webhook"));
}

}  // namespace
}  // namespace otasuke::collector
