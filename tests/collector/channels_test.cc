// The SME message and the email, Slack and LINE channels: golden texts, and delivery through the
// dispatcher and a real SQLite store to real local receivers (the HTTP sink and the SMTP sink),
// with a ManualClock driving retries.

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "collector/app/notification_channels.h"
#include "collector/incident/rule_window_grouper.h"
#include "collector/notify/dispatcher.h"
#include "collector/notify/email_notifier.h"
#include "collector/notify/line_notifier.h"
#include "collector/notify/slack_notifier.h"
#include "collector/notify/sme_message.h"
#include "collector/store/sqlite_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/sql_rows.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/paths.h"
#include "tests/testing/smtp_sink.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::SmtpSink;
using ::otasuke::testing::StatusIs;
using ::otasuke::tools::WebhookSink;
using ::testing::HasSubstr;

NotificationJob SampleJob() {
  NotificationJob job;
  job.id = 7;
  job.channel = "email";
  job.target = "owner@sme.example";
  job.alert =
      MakeAlert(1, "proc_creation_lnx_script_exec_from_tmp", v1::SEVERITY_HIGH, "reception-pc");
  job.alert.mutable_event_time()->set_seconds(1'795'000'000);  // 2026-11-18 20:06 in Japan
  job.incident.set_id(42);
  job.incident.set_tenant_id("sme-ward-3");
  job.incident.set_hostname("reception-pc");
  job.incident.set_severity(v1::SEVERITY_HIGH);
  job.incident.set_dedup_key(
      "otasuke/sme-ward-3/reception-pc/ENGINE_SIGMA:proc_creation_lnx_script_exec_from_tmp/1");
  return job;
}

// Compares with tests/collector/golden/<name>; OTASUKE_UPDATE_GOLDEN=1 rewrites the file.
void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = otasuke::testing::SourceDir() + "/tests/collector/golden/" + name;
  if (std::getenv("OTASUKE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with OTASUKE_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << path;
}

// A LINE push-message request body: exactly "to" (a string) and "messages" (1 to 5 text
// messages of exactly "type": "text" and a "text" of at most 5,000 UTF-16 units).
void ExpectLinePushShape(const nlohmann::json& body) {
  ASSERT_TRUE(body.is_object()) << body.dump();
  EXPECT_EQ(body.size(), 2u) << body.dump();
  ASSERT_TRUE(body.contains("to") && body["to"].is_string()) << body.dump();
  ASSERT_TRUE(body.contains("messages") && body["messages"].is_array()) << body.dump();
  EXPECT_GE(body["messages"].size(), 1u);
  EXPECT_LE(body["messages"].size(), 5u);
  for (const nlohmann::json& message : body["messages"]) {
    EXPECT_EQ(message.size(), 2u) << message.dump();
    EXPECT_EQ(message.value("type", ""), "text");
    ASSERT_TRUE(message.contains("text") && message["text"].is_string()) << message.dump();
    EXPECT_LE(Utf16Length(message["text"].get<std::string>()), kLineTextMaxUtf16Units);
  }
}

TEST(SmeMessageTest, JapaneseAndEnglishFromTheRuleExplanation) {
  SmeMessage message = BuildSmeMessage(SampleJob());
  ExpectGolden("sme_message_ja.txt", message.ja.subject + "\n\n" + message.ja.body);
  ExpectGolden("sme_message_en.txt", message.en.subject + "\n\n" + message.en.body);
}

TEST(SmeMessageTest, ARuleWithoutTextsGetsACarefulGenericMessageAndTheAddress) {
  NotificationJob job = SampleJob();
  job.alert.clear_explanation();
  job.alert.clear_next_step();
  job.alert.mutable_process()->clear_user();
  job.alert.mutable_network()->set_src_ip("192.0.2.15");
  SmeMessage message = BuildSmeMessage(job);
  EXPECT_THAT(message.ja.body, HasSubstr("セキュリティ上の注意が必要な動きを検知しました（Script "
                                         "run from a temporary directory）。"));
  EXPECT_THAT(message.ja.body, HasSubstr("端末名 reception-pc／利用者 不明（192.0.2.15）"));
  EXPECT_THAT(message.ja.body, HasSubstr("お助け隊からの連絡をお待ちください"));
  EXPECT_THAT(message.en.body, HasSubstr("computer reception-pc, user unknown (192.0.2.15)"));
  EXPECT_THAT(message.en.body, HasSubstr("wait for your helper team's call"));
}

TEST(SmeMessageTest, TruncatesOnACharacterBoundary) {
  EXPECT_EQ(TruncateUtf8("abc", 3), "abc");
  // "一時" is 6 bytes; 7 bytes leave room for one character and the 3-byte ellipsis.
  EXPECT_EQ(TruncateUtf8("一時フォルダ", 7), "一…");
  EXPECT_EQ(TruncateUtf8("一時フォルダ", 8), "一…");
  EXPECT_EQ(TruncateUtf8("一時フォルダ", 2), "");
}

TEST(SmeMessageTest, CountsAndCutsInUtf16UnitsAsLineDoes) {
  EXPECT_EQ(Utf16Length("a一🍎"), 4u);  // the apple is a surrogate pair
  EXPECT_EQ(TruncateUtf16("一時🍎x", 5), "一時🍎x");
  EXPECT_EQ(TruncateUtf16("一時🍎x", 4), "一時…");  // the pair is not split
  EXPECT_EQ(TruncateUtf16("一時🍎x", 1), "…");
  EXPECT_EQ(TruncateUtf16("一時🍎x", 0), "");
}

TEST(ChannelPayloadTest, EmailSlackAndLineGolden) {
  NotificationJob job = SampleJob();
  ExpectGolden("email_message.eml",
               EmailMessageText(job, "otasuke@helpdesk.example", {"owner@sme.example"},
                                absl::FromUnixSeconds(1'795'000'060)));
  ExpectGolden("slack_payload.json", nlohmann::json::parse(SlackPayloadJson(job)).dump(2) + "\n");
  job.target = "U4af4980629";
  ExpectGolden("line_push.json", nlohmann::json::parse(LinePushJson(job)).dump(2) + "\n");
  EXPECT_EQ(LineRetryKey(job), LineRetryKey(job));
  NotificationJob other = job;
  other.id = 8;
  EXPECT_NE(LineRetryKey(job), LineRetryKey(other));
}

TEST(EmailRecipientsTest, RefusesWhatIsNotAnAddress) {
  auto two = ParseRecipients("a@x.example, b@y.example");
  ASSERT_THAT(two, IsOk());
  EXPECT_THAT(*two, ::testing::ElementsAre("a@x.example", "b@y.example"));
  EXPECT_THAT(ParseRecipients("").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "no email recipient"));
  EXPECT_THAT(ParseRecipients("owner").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "'owner' is not an email address"));
  EXPECT_THAT(ParseRecipients("a@x.example>\r\nBcc: evil@x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "is not an email address"));
}

TEST(NotificationChannelsTest, EveryConfigurationErrorIsReportedAtOnce) {
  otasuke::testing::TempDir dir;
  std::string empty_token = dir.file("empty.token");
  std::ofstream(empty_token) << "";
  CollectorConfig config;
  config.slack_url = "ftp://chat.example/hook";
  config.line_to = "U123";
  config.line_token_file = empty_token;
  config.email_to = "owner@sme.example";
  config.email_smtp_url = "http://mail.example";
  config.email_from = "otasuke@helpdesk.example";
  auto channels = CreateNotificationChannels(config, RealClock::Get());
  ASSERT_FALSE(channels.ok());
  EXPECT_THAT(channels.status().message(), HasSubstr("slack.url: 'ftp://chat.example/hook'"));
  EXPECT_THAT(channels.status().message(),
              HasSubstr("line.token_file: " + empty_token + " is empty"));
  EXPECT_THAT(channels.status().message(),
              HasSubstr("email.smtp_url: 'http://mail.example' must start with smtp://"));

  CollectorConfig bad_from;
  bad_from.email_to = "owner@sme.example";
  bad_from.email_smtp_url = "smtp://127.0.0.1:25";
  bad_from.email_from = "helpdesk";
  EXPECT_THAT(CreateNotificationChannels(bad_from, RealClock::Get()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "email.from: 'helpdesk'"));
  CollectorConfig no_token;
  no_token.line_to = "U123";
  EXPECT_THAT(CreateNotificationChannels(no_token, RealClock::Get()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "line.token_file: required"));
  EXPECT_THAT(NotificationChannelNames(),
              ::testing::ElementsAre("email", "line", "slack", "webhook"));
}

// Store + dispatcher + one channel, as the collector wires them.
class ChannelDeliveryTest : public ::testing::Test {
 protected:
  void OpenStore(const std::string& channel, const std::string& target) {
    SqliteStore::Options options;
    options.path = path_;
    options.notification_channels = {{.channel = channel, .target = target}};
    auto store = SqliteStore::Open(std::move(options), clock_, grouper_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
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

  std::unique_ptr<NotificationDispatcher> Dispatcher(
      int max_attempts, absl::StatusOr<std::unique_ptr<Notifier>> notifier) {
    auto dispatcher = std::make_unique<NotificationDispatcher>(
        *store_, clock_,
        DispatcherOptions{.max_attempts = max_attempts,
                          .initial_backoff = absl::Seconds(2),
                          .max_backoff = absl::Seconds(30)});
    EXPECT_THAT(notifier, IsOk());
    EXPECT_THAT(dispatcher->AddNotifier(std::move(*notifier)), IsOk());
    return dispatcher;
  }

  std::vector<std::vector<std::string>> Rows(const char* sql, int columns) {
    return testing::QueryRows(path_, sql, columns);
  }

  absl::StatusOr<std::unique_ptr<Notifier>> EmailTo(int port) {
    return EmailNotifier::Create({.smtp_url = "smtp://127.0.0.1:" + std::to_string(port),
                                  .from = "otasuke@helpdesk.example",
                                  .clock = &clock_});
  }

  otasuke::testing::TempDir dir_;
  std::string path_ = dir_.file("collector.db");
  ManualClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  RuleWindowGrouper grouper_{absl::Hours(1)};
  std::unique_ptr<SqliteStore> store_;
};

// The decoded text/plain parts of a MIME message written by EmailMessageText.
std::vector<std::string> DecodedTextParts(const std::string& data) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(data, "Content-Transfer-Encoding: base64\r\n\r\n")) {
    if (parts.empty() && part.find("MIME-Version") != absl::string_view::npos) {
      parts.emplace_back();  // the headers
      continue;
    }
    std::string base64(part.substr(0, part.find("--")));
    base64.erase(std::remove(base64.begin(), base64.end(), '\r'), base64.end());
    base64.erase(std::remove(base64.begin(), base64.end(), '\n'), base64.end());
    std::string decoded;
    EXPECT_TRUE(absl::Base64Unescape(base64, &decoded));
    parts.push_back(decoded);
  }
  parts.erase(parts.begin());
  return parts;
}

TEST_F(ChannelDeliveryTest, EmailReachesTheSmtpSinkInJapaneseAndEnglish) {
  SmtpSink sink({.refuse_first = 0});
  auto port = sink.Start();
  ASSERT_THAT(port, IsOk());
  OpenStore("email", "owner@sme.example, it@sme.example");
  auto dispatcher = Dispatcher(3, EmailTo(*port));
  ASSERT_EQ(*dispatcher->RunDue(), 1);
  auto mails = sink.messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].mail_from, "otasuke@helpdesk.example");
  EXPECT_THAT(mails[0].rcpt_to, ::testing::ElementsAre("owner@sme.example", "it@sme.example"));
  EXPECT_THAT(mails[0].data, HasSubstr("Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"));
  EXPECT_THAT(mails[0].data, HasSubstr("Subject: =?UTF-8?B?"));
  std::vector<std::string> parts = DecodedTextParts(mails[0].data);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_THAT(parts[0], HasSubstr("一時フォルダからスクリプトが実行されました。"));
  EXPECT_THAT(parts[0], HasSubstr("端末名 office-pc／利用者 yamada"));
  EXPECT_THAT(parts[1], HasSubstr("If you did not expect this, call your helper team."));
  EXPECT_EQ(Rows("SELECT state, attempts FROM notifications", 2),
            (std::vector<std::vector<std::string>>{{"sent", "1"}}));
}

TEST_F(ChannelDeliveryTest, EmailRefusedBySmtpIsRetriedThenDelivered) {
  SmtpSink sink({.refuse_first = 1});
  auto port = sink.Start();
  ASSERT_THAT(port, IsOk());
  OpenStore("email", "owner@sme.example");
  auto dispatcher = Dispatcher(3, EmailTo(*port));
  ASSERT_EQ(*dispatcher->RunDue(), 1);
  EXPECT_EQ(*dispatcher->RunDue(), 0);  // backoff
  clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(*dispatcher->RunDue(), 1);
  EXPECT_EQ(sink.refused(), 1);
  EXPECT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(Rows("SELECT attempt, ok, http_status FROM notification_attempts ORDER BY id", 3),
            (std::vector<std::vector<std::string>>{{"1", "0", "451"}, {"2", "1", "250"}}));
}

TEST_F(ChannelDeliveryTest, AnSmtpServerThatIsDownEndsInFailedWithEveryAttemptRecorded) {
  int dead_port = 0;
  {
    SmtpSink sink({});
    dead_port = *sink.Start();
  }  // stopped: nothing listens there now
  OpenStore("email", "owner@sme.example");
  auto dispatcher = Dispatcher(2, EmailTo(dead_port));
  ASSERT_EQ(*dispatcher->RunDue(), 1);
  clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(*dispatcher->RunDue(), 1);
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(*dispatcher->RunDue(), 0);  // given up
  auto rows = Rows("SELECT state, attempts, last_error FROM notifications", 3);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "failed");
  EXPECT_EQ(rows[0][1], "2");
  EXPECT_THAT(rows[0][2], HasSubstr("SMTP smtp://127.0.0.1:" + std::to_string(dead_port)));
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM notification_attempts WHERE ok = 0", 1)[0][0], "2");
}

TEST_F(ChannelDeliveryTest, SlackReceivesBlocksWithBothLanguages) {
  WebhookSink sink({});
  auto port = sink.Start();
  ASSERT_THAT(port, IsOk());
  OpenStore("slack", "http://127.0.0.1:" + std::to_string(*port) + "/services/T000/B000/XXX");
  auto dispatcher = Dispatcher(3, SlackNotifier::Create({}));
  ASSERT_EQ(*dispatcher->RunDue(), 1);
  auto requests = sink.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/services/T000/B000/XXX");
  nlohmann::json body = nlohmann::json::parse(requests[0].body);
  EXPECT_THAT(body["text"].get<std::string>(), HasSubstr("office-pc"));
  EXPECT_EQ(body["blocks"][0]["type"], "header");
  EXPECT_THAT(body["blocks"][1]["text"]["text"].get<std::string>(),
              HasSubstr("一時フォルダからスクリプトが実行されました。"));
  EXPECT_THAT(body["blocks"][3]["text"]["text"].get<std::string>(),
              HasSubstr("A script was run from a temporary directory."));
}

TEST_F(ChannelDeliveryTest, LinePushCarriesTheTokenAndTheSameRetryKeyOnEveryAttempt) {
  WebhookSink sink({.fail_first = 1});
  auto port = sink.Start();
  ASSERT_THAT(port, IsOk());
  OpenStore("line", "U4af4980629");
  auto dispatcher =
      Dispatcher(3, LineNotifier::Create({.endpoint = "http://127.0.0.1:" + std::to_string(*port) +
                                                      "/v2/bot/message/push",
                                          .access_token = "line-token"}));
  ASSERT_EQ(*dispatcher->RunDue(), 1);
  clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(*dispatcher->RunDue(), 1);
  auto requests = sink.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].path, "/v2/bot/message/push");
  EXPECT_EQ(requests[1].headers.at("authorization"), "Bearer line-token");
  EXPECT_EQ(requests[0].headers.at("x-line-retry-key"), requests[1].headers.at("x-line-retry-key"));
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].headers.at("content-type"), "application/json; charset=utf-8");
  EXPECT_THAT(requests[1].headers.at("x-line-retry-key"),
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                      "[0-9a-f]{12}"));
  // The push-message shape and nothing else: {"to", "messages": [{"type": "text", "text"}]}.
  nlohmann::json body = nlohmann::json::parse(requests[1].body);
  ExpectLinePushShape(body);
  EXPECT_EQ(body["to"], "U4af4980629");
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_THAT(body["messages"][0]["text"].get<std::string>(), HasSubstr("今すぐすること"));
  EXPECT_THAT(body["messages"][1]["text"].get<std::string>(), HasSubstr("What to do now"));
  EXPECT_EQ(Rows("SELECT state, attempts FROM notifications", 2),
            (std::vector<std::vector<std::string>>{{"sent", "2"}}));
}

// A rule explanation longer than a LINE text message: each message is cut to 5,000 UTF-16
// units (not bytes: a Japanese message keeps 4,999 characters and the ellipsis), emoji pairs
// are not split, and the request still has the push shape.
TEST_F(ChannelDeliveryTest, LongLineTextsAreCutToFiveThousandUtf16Units) {
  WebhookSink sink({});
  auto port = sink.Start();
  ASSERT_THAT(port, IsOk());
  auto notifier = LineNotifier::Create(
      {.endpoint = "http://127.0.0.1:" + std::to_string(*port) + "/v2/bot/message/push",
       .access_token = "line-token"});
  ASSERT_THAT(notifier, IsOk());
  NotificationJob job = SampleJob();
  job.channel = "line";
  job.target = "Uabc";
  std::string long_ja;
  for (int i = 0; i < 6000; ++i) long_ja += "一";
  std::string long_en;
  for (int i = 0; i < 3000; ++i) long_en += "🍎";  // 6,000 units
  job.alert.mutable_explanation()->set_ja(long_ja);
  job.alert.mutable_explanation()->set_en(long_en);
  DeliveryResult result = (*notifier)->Deliver(job, 1);
  EXPECT_TRUE(result.ok) << result.error;
  auto requests = sink.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer line-token");
  nlohmann::json body = nlohmann::json::parse(requests[0].body);
  ExpectLinePushShape(body);
  ASSERT_EQ(body["messages"].size(), 2u);
  const std::string ja = body["messages"][0]["text"].get<std::string>();
  const std::string en = body["messages"][1]["text"].get<std::string>();
  EXPECT_EQ(Utf16Length(ja), kLineTextMaxUtf16Units);
  EXPECT_TRUE(absl::EndsWith(ja, "一一…"));
  EXPECT_GE(Utf16Length(en), kLineTextMaxUtf16Units - 1);  // a pair may not fit the last unit
  EXPECT_TRUE(absl::EndsWith(en, "🍎…"));
}

}  // namespace
}  // namespace otasuke::collector
