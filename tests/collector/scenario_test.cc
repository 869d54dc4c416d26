// Issue 5's scenario on a real collector process with a manual clock (no sleeps for SLA time):
// a replayed agent stream over real gRPC -> incidents grouped as expected -> the on-call
// responder's webhook (a real local HTTP receiver) notified after a retry -> the clock moved past
// the SLA -> escalation to the secondary recorded -> a work order through its lifecycle -> the
// monthly report and the KPIs give exactly the figures the scenario produced; roles are checked.
//
// Everything goes through the collector's public surface, as the helper team would drive it:
// the team (tenants, responders, rota) is imported with `otasukectl tenants import`, and the
// responders acknowledge, contain and resolve with their own console tokens, through the
// IncidentService RPCs and through otasukectl; each change is stamped with the collector's
// manual time and audited under the responder's token.

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "otasuke/v1/console_service.grpc.pb.h"
#include "otasuke/v1/identity_service.grpc.pb.h"
#include "otasuke/v1/incident_service.grpc.pb.h"
#include "otasuke/v1/report_service.grpc.pb.h"
#include "otasuke/v1/workorder_service.grpc.pb.h"
#include "tests/collector/sql_rows.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::QueryRows;
using ::otasuke::collector::testing::SqlRows;
using ::otasuke::collector::testing::TestAgent;
using ::otasuke::collector::testing::TestChannel;
using ::otasuke::testing::BinaryPath;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::ReadFileOrEmpty;
using ::otasuke::testing::Subprocess;

// An alert of `rule` on reception-pc from a process of the rule's own: MakeAlert's alerts all
// come from one process, which entity grouping (docs/INCIDENTS.md) rightly makes one incident.
v1::Alert RuleAlert(uint64_t sequence, const std::string& rule, v1::Severity severity) {
  v1::Alert alert = MakeAlert(sequence, rule, severity, "reception-pc");
  alert.mutable_process()->set_pid(1000 + static_cast<unsigned char>(rule.back()));
  return alert;
}
using ::otasuke::testing::WaitUntil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kTenant[] = "sakura";

absl::Time TokyoTime(int year, int month, int day, int hour, int minute) {
  absl::TimeZone tokyo;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Tokyo", &tokyo));
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute), tokyo);
}

// Monday 2026-10-05 10:00 in Tokyo: tanaka is the primary, suzuki the secondary.
const absl::Time kStart = TokyoTime(2026, 10, 5, 10, 0);

std::string Team(int sink_port) {
  const std::string base = absl::StrCat("http://127.0.0.1:", sink_port);
  return absl::StrCat(R"yaml(
regions:
  - {name: setagaya, time_zone: Asia/Tokyo}
tenants:
  - id: sakura
    name: さくらベーカリー
    region: setagaya
    owner: {name: 佐藤, phone: "03-0000-0000"}
    address: 東京都世田谷区1-2-3
    ack_sla: {critical: 15m, high: 15m, medium: 1h, low: 0}
    dispatch_threshold: medium
responders:
  - {handle: tanaka, name: 田中, regions: [setagaya], skills: [endpoint], webhook: ")yaml",
                      base, R"yaml(/tanaka"}
  - {handle: suzuki, name: 鈴木, regions: [setagaya], skills: [endpoint], webhook: ")yaml",
                      base, R"yaml(/suzuki"}
rota:
  - {region: setagaya, tier: primary, responder: tanaka, days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
  - {region: setagaya, tier: secondary, responder: suzuki, days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
)yaml");
}

google::protobuf::Timestamp Proto(absl::Time time) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(time));
  return ts;
}

class ScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Every first delivery fails (three incidents on the ops webhook, two to tanaka): the
    // retries come after the 30 s backoff, which passes only when the test moves the clock.
    sink_ = std::make_unique<tools::WebhookSink>(tools::WebhookSink::Options{.fail_first = 5});
    auto sink_port = sink_->Start();
    ASSERT_THAT(sink_port, IsOk());
    std::vector<std::string> argv = {
        BinaryPath("otasuke-collector"),
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        dir_.file("data"),
        "--port-file",
        dir_.file("collector.port"),
        "--transport-security",
        "insecure",
        "--run-as-user",
        "root",
        "--clock",
        "manual",
        "--clock-start",
        absl::FormatTime(absl::RFC3339_full, kStart, absl::UTCTimeZone()),
        "--webhook-url",
        absl::StrCat("http://127.0.0.1:", *sink_port, "/ops"),
        "--webhook-initial-backoff",
        "30s",
        "--webhook-max-backoff",
        "30s"};
    collector_ = std::make_unique<Subprocess>(argv, dir_.file("collector.log"));
    ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] {
      return absl::SimpleAtoi(
                 absl::StripAsciiWhitespace(ReadFileOrEmpty(dir_.file("collector.port"))),
                 &port_) &&
             port_ > 0;
    })) << ReadFileOrEmpty(dir_.file("collector.log"));
    channel_ = TestChannel(port_);
    admin_token_ =
        std::string(absl::StripAsciiWhitespace(ReadFileOrEmpty(dir_.file("data/admin.token"))));
    std::ofstream(dir_.file("team.yaml")) << Team(*sink_port);
    CtlResult imported = Ctl({"tenants", "import", dir_.file("team.yaml")});
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
    ASSERT_THAT(imported.output,
                HasSubstr("imported 1 region(s), 1 tenant(s), 2 responder(s), 10 rota entries"));
    tanaka_ = Token("tanaka", "responder");
    suzuki_ = Token("suzuki", "responder");
  }

  // A responder acknowledges incident `id` with their own token, through the RPC.
  void Acknowledge(int64_t id, const std::string& token, const std::string& note) {
    v1::IncidentNote request;
    request.set_id(id);
    request.set_note(note);
    v1::IncidentDetail detail;
    grpc::Status status = v1::IncidentService::NewStub(channel_)->AcknowledgeIncident(
        Context(token).get(), request, &detail);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(detail.incident().state(), v1::INCIDENT_STATE_ACKNOWLEDGED);
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + (token.empty() ? admin_token_ : token));
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return context;
  }

  // Moves the collector's clock to kStart + `since_start`; the timers then due have fired when
  // this returns.
  void At(absl::Duration since_start) {
    v1::AdvanceClockRequest request;
    *request.mutable_to() = Proto(kStart + since_start);
    v1::AdvanceClockResponse response;
    grpc::Status status =
        v1::TestClockService::NewStub(channel_)->AdvanceClock(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.now().seconds(), absl::ToUnixSeconds(kStart + since_start));
  }

  // The receiver sees a request before the collector records the attempt (stamped with the
  // clock when the answer came): wait for the record before moving the clock.
  bool WaitForRecordedAttempts(int count) {
    return WaitUntil(absl::Seconds(30), [&] {
      SqlRows rows = QueryRows(db_path_, "SELECT COUNT(*) FROM notification_attempts", 1);
      return !rows.empty() && rows[0][0] == absl::StrCat(count);
    });
  }

  std::vector<std::string> SinkPaths(int answered) {
    std::vector<std::string> paths;
    for (const auto& request : sink_->requests()) {
      if (request.answered == answered) paths.push_back(request.path);
    }
    return paths;
  }

  v1::WorkOrder AdvanceOrder(int64_t id, v1::WorkOrderState to, int64_t cost = 0) {
    v1::AdvanceWorkOrderRequest request;
    request.set_id(id);
    request.set_to_state(to);
    request.set_actor("tanaka");
    request.set_action("step " + v1::WorkOrderState_Name(to));
    request.set_cost_yen(cost);
    v1::AdvanceWorkOrderResponse response;
    grpc::Status status = v1::WorkOrderService::NewStub(channel_)->AdvanceWorkOrder(
        Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.work_order();
  }

  grpc::Status Monthly(const std::string& tenant, v1::ReportFormat format, const std::string& lang,
                       v1::ReportDocument* document, const std::string& token = "") {
    v1::MonthlyReportRequest request;
    request.set_tenant_id(tenant);
    request.set_month("2026-10");
    request.set_format(format);
    request.set_lang(lang);
    return v1::ReportService::NewStub(channel_)->MonthlyReport(Context(token).get(), request,
                                                               document);
  }

  grpc::Status Kpis(v1::ReportDocument* document, const std::string& token = "") {
    v1::KpiRequest request;
    *request.mutable_from() = Proto(TokyoTime(2026, 10, 1, 0, 0));
    *request.mutable_to() = Proto(TokyoTime(2026, 11, 1, 0, 0));
    request.set_region("setagaya");
    request.set_format(v1::REPORT_FORMAT_JSON);
    return v1::ReportService::NewStub(channel_)->Kpis(Context(token).get(), request, document);
  }

  std::string Token(const std::string& name, const std::string& role,
                    const std::string& tenant = "") {
    v1::CreateConsoleTokenRequest request;
    request.set_name(name);
    request.set_role(role);
    request.set_tenant_id(tenant);
    v1::CreateConsoleTokenResponse response;
    grpc::Status status = v1::IdentityAdminService::NewStub(channel_)->CreateConsoleToken(
        Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.secret();
  }

  struct CtlResult {
    int exit_code;
    std::string output;
  };
  CtlResult Ctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {BinaryPath("otasukectl"),          "--collector",
                                     absl::StrCat("127.0.0.1:", port_), "--token-file",
                                     dir_.file("data/admin.token"),     "--insecure"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = dir_.file(absl::StrCat("ctl-", ++ctl_runs_, ".out"));
    Subprocess ctl(argv, log);
    int code = ctl.Wait(absl::Seconds(30));
    return {code, ReadFileOrEmpty(log)};
  }

  otasuke::testing::TempDir dir_;
  int port_ = 0;
  int ctl_runs_ = 0;
  std::string db_path_ = dir_.file("data/collector.db");
  std::unique_ptr<tools::WebhookSink> sink_;
  std::unique_ptr<Subprocess> collector_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string admin_token_;
  std::string tanaka_;  // the responders' own console tokens
  std::string suzuki_;
};

TEST_F(ScenarioTest, FromAReplayedAgentStreamToTheMonthlyReport) {
  // 1. A replayed agent stream: two batches; rule A (high) three times, B (medium) twice, C
  //    (low) once, all on one host within the incident window.
  TestAgent agent(channel_);
  ASSERT_TRUE(agent.SendHello(MakeHello("agent-1", kTenant, "reception-pc")));
  ASSERT_TRUE(agent.SendAlerts({RuleAlert(1, "rule-a", v1::SEVERITY_HIGH),
                                RuleAlert(2, "rule-a", v1::SEVERITY_HIGH),
                                RuleAlert(3, "rule-b", v1::SEVERITY_MEDIUM)}));
  ASSERT_TRUE(agent.WaitForAck(3));
  ASSERT_TRUE(agent.SendAlerts({RuleAlert(4, "rule-a", v1::SEVERITY_HIGH),
                                RuleAlert(5, "rule-b", v1::SEVERITY_MEDIUM),
                                RuleAlert(6, "rule-c", v1::SEVERITY_LOW)}));
  ASSERT_TRUE(agent.WaitForAck(6));

  // 2. Grouped into three incidents, by rule, with counts and the maximum severity.
  v1::ListIncidentsRequest list;
  list.set_tenant_id(kTenant);
  v1::ListIncidentsResponse incidents;
  ASSERT_TRUE(
      v1::ConsoleService::NewStub(channel_)->ListIncidents(Context().get(), list, &incidents).ok());
  ASSERT_EQ(incidents.incidents_size(), 3);
  std::map<std::string, v1::Incident> by_rule;
  for (const v1::Incident& incident : incidents.incidents()) {
    by_rule[incident.rule().rule_id()] = incident;
  }
  EXPECT_EQ(by_rule["rule-a"].alert_count(), 3u);
  EXPECT_EQ(by_rule["rule-b"].alert_count(), 2u);
  EXPECT_EQ(by_rule["rule-c"].alert_count(), 1u);
  const int64_t a = by_rule["rule-a"].id();
  const int64_t b = by_rule["rule-b"].id();

  // 3. The on-call responder (tanaka) is called for A and B (C is below the threshold), the ops
  //    webhook for all three; every first attempt fails and is retried once 30 s have passed.
  ASSERT_TRUE(sink_->WaitForRequests(5, absl::Seconds(30)))
      << ReadFileOrEmpty(dir_.file("collector.log"));
  EXPECT_THAT(SinkPaths(500), UnorderedElementsAre("/ops", "/ops", "/ops", "/tanaka", "/tanaka"));
  ASSERT_TRUE(WaitForRecordedAttempts(5));
  ASSERT_NO_FATAL_FAILURE(At(absl::Seconds(30)));
  ASSERT_TRUE(sink_->WaitForRequests(10, absl::Seconds(30)));
  ASSERT_TRUE(WaitForRecordedAttempts(10));
  EXPECT_THAT(SinkPaths(200), UnorderedElementsAre("/ops", "/ops", "/ops", "/tanaka", "/tanaka"));

  // 4. B is acknowledged after 5 minutes; A is not, and escalates when its 15 minutes pass.
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(5)));
  ASSERT_NO_FATAL_FAILURE(Acknowledge(b, tanaka_, "calling the owner"));
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(14)));
  EXPECT_EQ(sink_->requests().size(), 10u);  // not yet
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(16)));
  ASSERT_TRUE(sink_->WaitForRequests(11, absl::Seconds(30)));
  EXPECT_EQ(sink_->requests().back().path, "/suzuki");
  ASSERT_TRUE(WaitForRecordedAttempts(11));
  SqlRows attempts = QueryRows(
      db_path_,
      "SELECT d.level, r.handle, d.outcome, d.at FROM dispatch_attempts d JOIN responders r ON "
      "r.id = d.responder_id WHERE d.incident_id = (SELECT id FROM incidents WHERE rule_id = "
      "'rule-a') ORDER BY d.id",
      4);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_THAT(attempts[0],
              ElementsAre("0", "tanaka", "notified", absl::StrCat(absl::ToUnixMicros(kStart))));
  EXPECT_THAT(attempts[1],
              ElementsAre("1", "suzuki", "notified",
                          absl::StrCat(absl::ToUnixMicros(kStart + absl::Minutes(16)))));

  // 5. A is acknowledged at 20 minutes (late), B resolved remotely at 40; A needs a visit.
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(20)));
  ASSERT_NO_FATAL_FAILURE(Acknowledge(a, suzuki_, "on my way"));
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(30)));
  v1::OpenWorkOrderRequest open;
  open.set_tenant_id(kTenant);
  open.set_incident_id(a);
  open.set_origin(v1::WORK_ORDER_ORIGIN_RESPONDER);
  open.set_reason("ransomware note on the register PC");
  open.set_actor("suzuki");
  v1::OpenWorkOrderResponse opened;
  ASSERT_TRUE(
      v1::WorkOrderService::NewStub(channel_)->OpenWorkOrder(Context().get(), open, &opened).ok());
  const int64_t order = opened.work_order().id();
  EXPECT_EQ(opened.work_order().site_address(), "東京都世田谷区1-2-3");
  AdvanceOrder(order, v1::WORK_ORDER_STATE_ACCEPTED);
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(40)));
  CtlResult resolved_b = Ctl(
      {"incidents", "resolve", absl::StrCat(b), "--note", "removed the macro", "--token", tanaka_});
  ASSERT_EQ(resolved_b.exit_code, 0) << resolved_b.output;
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(45)));
  AdvanceOrder(order, v1::WORK_ORDER_STATE_DEPARTED);
  ASSERT_NO_FATAL_FAILURE(At(absl::Hours(1)));
  AdvanceOrder(order, v1::WORK_ORDER_STATE_ARRIVED, 1500);
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(90)));
  CtlResult contained = Ctl({"incidents", "advance", absl::StrCat(a), "--to", "contained", "--note",
                             "unplugged", "--token", suzuki_});
  ASSERT_EQ(contained.exit_code, 0) << contained.output;
  AdvanceOrder(order, v1::WORK_ORDER_STATE_CONTAINED);
  ASSERT_NO_FATAL_FAILURE(At(absl::Hours(2)));
  v1::WorkOrder closed = AdvanceOrder(order, v1::WORK_ORDER_STATE_CLOSED, 3500);
  EXPECT_EQ(closed.state(), v1::WORK_ORDER_STATE_CLOSED);
  EXPECT_EQ(closed.total_cost_yen(), 5000);
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(150)));
  CtlResult resolved_a =
      Ctl({"incidents", "resolve", absl::StrCat(a), "--note", "restored", "--token", suzuki_});
  ASSERT_EQ(resolved_a.exit_code, 0) << resolved_a.output;
  ASSERT_NO_FATAL_FAILURE(At(absl::Hours(3)));
  SqlRows acks = QueryRows(
      db_path_, "SELECT actor, target FROM audit_log WHERE action = 'incident.ack' ORDER BY id", 2);
  EXPECT_THAT(acks, ElementsAre(ElementsAre("token:tanaka#2 (responder)", absl::StrCat("#", b)),
                                ElementsAre("token:suzuki#3 (responder)", absl::StrCat("#", a))));

  // 6. The monthly report has exactly what happened.
  v1::ReportDocument document;
  grpc::Status status = Monthly(kTenant, v1::REPORT_FORMAT_JSON, "en", &document);
  ASSERT_TRUE(status.ok()) << status.error_message();
  nlohmann::json report = nlohmann::json::parse(document.body());
  EXPECT_EQ(report["period"]["as_of"], "2026-10-05T04:00:00Z");  // 13:00 in Tokyo
  EXPECT_EQ(report["alerts"]["total"], 6);
  EXPECT_EQ(report["alerts"]["by_severity"]["high"], 3);
  EXPECT_EQ(report["alerts"]["by_severity"]["medium"], 2);
  EXPECT_EQ(report["alerts"]["by_severity"]["low"], 1);
  EXPECT_EQ(report["incidents"]["total"], 3);
  EXPECT_EQ(report["funnel"]["handled_remotely"], 1);  // B
  EXPECT_EQ(report["funnel"]["on_site"], 1);           // A
  EXPECT_EQ(report["funnel"]["open"], 1);              // C: low, reported only
  const nlohmann::json& times = report["response_times"];
  EXPECT_EQ(times["notify"]["count"], 3);  // every incident reached the ops webhook at +30 s
  EXPECT_EQ(times["notify"]["median_s"], 30.0);
  EXPECT_EQ(times["ack"]["count"], 2);  // B 5 min, A 20 min
  EXPECT_EQ(times["ack"]["median_s"], 750.0);
  EXPECT_EQ(times["ack"]["p90_s"], 1200.0);
  EXPECT_EQ(times["contain"]["median_s"], 3900.0);  // B 40 min (resolved), A 90 min
  EXPECT_EQ(times["contain"]["p90_s"], 5400.0);
  EXPECT_EQ(times["resolve"]["median_s"], 5700.0);  // B 40 min, A 150 min
  EXPECT_EQ(times["resolve"]["p90_s"], 9000.0);
  EXPECT_EQ(report["sla"]["sla_eligible"], 2);
  EXPECT_EQ(report["sla"]["sla_breaches"], 1);  // A: acknowledged after 20 min of 15
  ASSERT_EQ(report["visits"].size(), 1u);
  EXPECT_EQ(report["visits"][0]["state"], "closed");
  EXPECT_EQ(report["visits"][0]["cost_yen"], 5000);
  EXPECT_EQ(report["visits"][0]["arrived"], "2026-10-05T02:00:00Z");
  EXPECT_TRUE(report["open_incidents"].empty());

  ASSERT_TRUE(Monthly(kTenant, v1::REPORT_FORMAT_HTML, "ja", &document).ok());
  EXPECT_EQ(document.content_type(), "text/html; charset=utf-8");
  EXPECT_EQ(document.file_name(), "report-sakura-2026-10-ja.html");
  EXPECT_THAT(document.body(), HasSubstr("さくらベーカリー"));
  EXPECT_THAT(document.body(), HasSubstr("対象 2 件のうち 1 件が時間内でした"));

  // 7. The KPIs of the region agree.
  status = Kpis(&document);
  ASSERT_TRUE(status.ok()) << status.error_message();
  nlohmann::json kpis = nlohmann::json::parse(document.body());
  EXPECT_EQ(kpis["total"]["funnel"], report["funnel"]);
  EXPECT_EQ(kpis["total"]["response_times"], report["response_times"]);
  EXPECT_EQ(kpis["total"]["sla"], report["sla"]);

  // 8. Roles: a viewer reads only its own tenant's report; KPIs need a lead; the clock an admin.
  const std::string viewer = Token("sakura-owner", "viewer", kTenant);
  const std::string other_viewer = Token("kaede-owner", "viewer", "kaede");
  const std::string responder = Token("night-shift", "responder");
  const std::string lead = Token("lead", "lead");
  EXPECT_TRUE(Monthly("", v1::REPORT_FORMAT_CSV, "ja", &document, viewer).ok());
  EXPECT_THAT(document.file_name(), HasSubstr("sakura"));
  EXPECT_EQ(Monthly(kTenant, v1::REPORT_FORMAT_CSV, "ja", &document, other_viewer).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Kpis(&document, responder).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Kpis(&document, lead).ok());
  v1::AdvanceClockRequest advance;
  advance.mutable_by()->set_seconds(60);
  v1::AdvanceClockResponse now;
  EXPECT_EQ(v1::TestClockService::NewStub(channel_)
                ->AdvanceClock(Context(lead).get(), advance, &now)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  *advance.mutable_to() = Proto(kStart);
  advance.clear_by();
  grpc::Status backwards =
      v1::TestClockService::NewStub(channel_)->AdvanceClock(Context().get(), advance, &now);
  EXPECT_EQ(backwards.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(backwards.error_message(), HasSubstr("only moves forward"));
  grpc::Status bad_month = Monthly(kTenant, v1::REPORT_FORMAT_UNSPECIFIED, "en", &document);
  EXPECT_EQ(bad_month.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // 9. The same through the otasukectl process.
  CtlResult csv = Ctl({"reports", "monthly", "--tenant", kTenant, "--month", "2026-10", "--format",
                       "csv", "--lang", "en", "--out", dir_.file("report.csv")});
  EXPECT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_THAT(csv.output, HasSubstr("wrote " + dir_.file("report.csv")));
  const std::string file = ReadFileOrEmpty(dir_.file("report.csv"));
  EXPECT_THAT(file, HasSubstr("summary,Incidents,3,\r\n"));
  EXPECT_THAT(file, HasSubstr("summary,SLA breaches,1,\r\n"));
  CtlResult kpi_csv = Ctl(
      {"reports", "kpis", "--from", "2026-10-01", "--to", "2026-11-01", "--region", "setagaya"});
  EXPECT_EQ(kpi_csv.exit_code, 0) << kpi_csv.output;
  EXPECT_THAT(kpi_csv.output, HasSubstr("scope,name,region,from,to,as_of,alerts,incidents,"));
  EXPECT_THAT(kpi_csv.output,
              HasSubstr("all,,setagaya,2026-09-30T15:00:00Z,2026-10-31T15:00:00Z,"
                        "2026-10-05T04:00:00Z,6,3,1,1,0,1,3,30,30,2,750,1200,2,3900,5400,2,5700,"
                        "9000,2,1"));
  CtlResult unknown = Ctl({"reports", "monthly", "--tenant", "nobody", "--month", "2026-10"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("unknown tenant 'nobody'"));
  CtlResult pdf =
      Ctl({"reports", "monthly", "--tenant", kTenant, "--month", "2026-10", "--format", "pdf"});
  EXPECT_EQ(pdf.exit_code, 2);
  EXPECT_THAT(pdf.output, HasSubstr("'pdf' is not html, csv or json"));
}

}  // namespace
}  // namespace otasuke::collector
