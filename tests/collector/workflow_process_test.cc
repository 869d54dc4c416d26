// Issue 5's incident workflow on the real collector process, driven as a responder would drive
// it (otasukectl, and TestClockService for time): merge and split re-point the incidents' group
// keys, so later alerts follow the change; a contract edited mid-incident does not move the
// running acknowledge timer nor the incident's SLA judgement in the report; the audit log names
// the token, role and responder behind each change; a responder webhook that is down fails
// visibly and the incident still escalates; the SME's own viewer token requests a visit.

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "otasuke/v1/report_service.grpc.pb.h"
#include "tests/collector/collector_process.h"
#include "tests/collector/test_agent.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::CollectorProcessTest;
using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::RunResult;
using ::otasuke::collector::testing::TestAgent;
using ::otasuke::collector::testing::TestChannel;
using ::otasuke::testing::ReadFileOrEmpty;
using ::otasuke::testing::WaitUntil;
using ::testing::HasSubstr;

// tanaka is primary and suzuki secondary around the clock; high incidents get 15 minutes.
constexpr char kTeamYaml[] = R"(regions:
  - {name: chiyoda, time_zone: Asia/Tokyo}
tenants:
  - id: sme-a
    name: Bakery A
    region: chiyoda
    owner: {name: Sato, phone: "03-1111-2222"}
    ack_sla: {critical: 15m, high: 15m, medium: 1h, low: 0}
responders:
  - {handle: tanaka, name: Tanaka, regions: [chiyoda]}
  - {handle: suzuki, name: Suzuki, regions: [chiyoda]}
rota:
  - {region: chiyoda, tier: primary, responder: tanaka, days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00"}
  - {region: chiyoda, tier: secondary, responder: suzuki, days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00"}
)";

// Monday 2026-10-05 10:00 in Tokyo.
const absl::Time kStart = absl::FromUnixSeconds(1791162000);

// An alert of `rule` from process `pid` on register-pc: its keys are its process and its rule.
v1::Alert ProcessAlert(uint64_t sequence, const std::string& rule, int pid) {
  v1::Alert alert = MakeAlert(sequence, rule, v1::SEVERITY_HIGH, "register-pc");
  alert.mutable_process()->set_pid(pid);
  return alert;
}

nlohmann::json Json(const RunResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return nlohmann::json::parse(result.output, nullptr, /*allow_exceptions=*/false);
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

class WorkflowProcessTest : public CollectorProcessTest {
 protected:
  void Start(std::vector<std::string> extra = {}, const std::string& team = kTeamYaml) {
    ASSERT_NO_FATAL_FAILURE(StartCollector(std::move(extra)));
    std::ofstream(dir_.file("team.yaml")) << team;
    RunResult imported = Ctl({"tenants", "import", dir_.file("team.yaml")});
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
    agent_ = std::make_unique<TestAgent>(TestChannel(port_));
    ASSERT_TRUE(agent_->SendHello(MakeHello("agent-a", "sme-a", "register-pc")));
  }

  void Send(const std::vector<v1::Alert>& alerts) {
    ASSERT_TRUE(agent_->SendAlerts(alerts));
    ASSERT_TRUE(agent_->WaitForAck(alerts.back().sequence()));
  }

  nlohmann::json Show(int64_t id) {
    return Json(Ctl({"incidents", "show", absl::StrCat(id), "--json"}));
  }

  // Moves the collector's manual clock to kStart + `since_start` (the timers then due fire).
  void At(absl::Duration since_start) {
    v1::AdvanceClockRequest request;
    request.mutable_to()->set_seconds(absl::ToUnixSeconds(kStart + since_start));
    v1::AdvanceClockResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization",
                        "Bearer " + std::string(absl::StripAsciiWhitespace(
                                        ReadFileOrEmpty(dir_.file("data/admin.token")))));
    grpc::Status status = v1::TestClockService::NewStub(TestChannel(port_))
                              ->AdvanceClock(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::unique_ptr<TestAgent> agent_;
};

TEST_F(WorkflowProcessTest, MergeAndSplitDecideWhereLaterAlertsGo) {
  ASSERT_NO_FATAL_FAILURE(Start());
  // Two processes, two rules: two incidents.
  ASSERT_NO_FATAL_FAILURE(Send({ProcessAlert(1, "rule-1", 100), ProcessAlert(2, "rule-2", 200)}));
  EXPECT_EQ(Show(1)["alert_ids"], nlohmann::json({"1"}));
  EXPECT_EQ(Show(2)["alert_ids"], nlohmann::json({"2"}));

  // After the merge, process 200's next alert joins #1 instead of opening a new incident.
  ASSERT_EQ(Ctl({"incidents", "merge", "2", "--into", "1", "--note", "one intrusion"}).exit_code,
            0);
  ASSERT_NO_FATAL_FAILURE(Send({ProcessAlert(3, "rule-2", 200)}));
  nlohmann::json merged = Show(1);
  EXPECT_EQ(merged["alert_ids"], nlohmann::json({"1", "2", "3"})) << merged.dump();
  EXPECT_EQ(merged["incident"]["alert_count"], "3");
  EXPECT_EQ(Json(Ctl({"incidents", "list", "--json"}))["incidents"].size(), 2u);

  // Splitting process 200's alerts off: its keys (process 200, rule-2) lead to the new incident,
  // process 100's and rule-1's stay with #1.
  nlohmann::json split = Json(Ctl({"incidents", "split", "1", "--alerts", "2,3", "--json"}));
  const std::string created = split["incident"]["id"].get<std::string>();
  EXPECT_EQ(created, "3");
  ASSERT_NO_FATAL_FAILURE(Send({ProcessAlert(4, "rule-2", 200), ProcessAlert(5, "rule-1", 100)}));
  EXPECT_EQ(Show(3)["alert_ids"], nlohmann::json({"2", "3", "4"}));
  EXPECT_EQ(Show(1)["alert_ids"], nlohmann::json({"1", "5"}));
}

TEST_F(WorkflowProcessTest, EditingTheContractDoesNotMoveARunningTimer) {
  ASSERT_NO_FATAL_FAILURE(Start({"--clock", "manual", "--clock-start", Rfc3339(kStart)}));
  ASSERT_NO_FATAL_FAILURE(Send({ProcessAlert(1, "rule-1", 100)}));
  nlohmann::json first;
  ASSERT_TRUE(WaitUntil(absl::Seconds(30),
                        [&] {
                          first = Show(1);
                          return first.value("assignee", "") == "tanaka";
                        }))
      << first.dump() << ReadFileOrEmpty(dir_.file("collector.log"));
  EXPECT_EQ(first["ack_timer"]["due_at"], Rfc3339(kStart + absl::Minutes(15)));

  // The SME's contract is renegotiated to an hour while #1 runs.
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(5)));
  RunResult edited = Ctl({"tenants", "update", "sme-a", "--ack-sla-high", "1h"});
  ASSERT_EQ(edited.exit_code, 0) << edited.output;
  EXPECT_EQ(Show(1)["ack_timer"]["due_at"], Rfc3339(kStart + absl::Minutes(15)));

  // #1 still escalates after its 15 minutes, and its next rung gets 15 minutes too.
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(16)));
  nlohmann::json escalated;
  ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    escalated = Show(1);
    return escalated.value("assignee", "") == "suzuki";
  })) << escalated.dump();
  EXPECT_EQ(escalated["ack_timer"]["rung"], "secondary");
  EXPECT_EQ(escalated["ack_timer"]["due_at"], Rfc3339(kStart + absl::Minutes(31)));
  EXPECT_THAT(escalated["transitions"].back()["note"].get<std::string>(),
              HasSubstr("not acknowledged within 15m"));

  // An incident opened after the edit is held to the new hour.
  ASSERT_NO_FATAL_FAILURE(Send({ProcessAlert(2, "rule-2", 200)}));
  nlohmann::json second;
  ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    second = Show(2);
    return second.value("assignee", "") == "tanaka";
  })) << second.dump();
  EXPECT_EQ(second["ack_timer"]["due_at"], Rfc3339(kStart + absl::Minutes(76)));

  // The report judges each by its own terms: at +40 minutes #1 (15 minutes) is breached, #2
  // (an hour, 24 minutes in) is not.
  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(40)));
  RunResult report = Ctl({"reports", "monthly", "--tenant", "sme-a", "--month", "2026-10",
                          "--format", "json", "--out", dir_.file("report.json")});
  ASSERT_EQ(report.exit_code, 0) << report.output;
  nlohmann::json figures = nlohmann::json::parse(ReadFileOrEmpty(dir_.file("report.json")));
  EXPECT_EQ(figures["sla"]["sla_eligible"], 2);
  EXPECT_EQ(figures["sla"]["sla_breaches"], 1) << figures.dump();
}

// The audit log names the principal: token name and id, role and the responder the token belongs
// to; `otasukectl audit list` shows it to admins and leads, filtered by action or kind.
TEST_F(WorkflowProcessTest, TheAuditLogNamesTokenRoleAndResponder) {
  ASSERT_NO_FATAL_FAILURE(Start());
  RunResult created =
      Ctl({"tokens", "create", "tanaka-phone", "--role", "responder", "--responder", "tanaka"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const std::string tanaka = created.output.substr(created.output.find("otk-"), 68);
  RunResult ghost =
      Ctl({"tokens", "create", "ghost-phone", "--role", "responder", "--responder", "ghost"});
  EXPECT_EQ(ghost.exit_code, 1);
  EXPECT_THAT(ghost.output, HasSubstr("unknown responder 'ghost'"));
  RunResult viewer = Ctl({"tokens", "create", "owner", "--role", "viewer", "--tenant", "sme-a",
                          "--responder", "tanaka"});
  EXPECT_EQ(viewer.exit_code, 1);
  EXPECT_THAT(viewer.output, HasSubstr("a viewer token is the SME's, not a responder's"));
  nlohmann::json tokens = Json(Ctl({"tokens", "list", "--json"}));
  EXPECT_EQ(tokens["tokens"][1]["responder"], "tanaka") << tokens.dump();

  ASSERT_NO_FATAL_FAILURE(Send({ProcessAlert(1, "rule-1", 100)}));
  RunResult ack = Ctl({"incidents", "ack", "1", "--note", "on it", "--token", tanaka});
  ASSERT_EQ(ack.exit_code, 0) << ack.output;
  const std::string actor = "token:tanaka-phone#2 (responder, responder tanaka#1)";
  EXPECT_EQ(Show(1)["transitions"].back()["actor"], actor);

  nlohmann::json acks = Json(Ctl({"audit", "list", "--action", "incident.ack", "--json"}));
  ASSERT_EQ(acks["records"].size(), 1u) << acks.dump();
  EXPECT_EQ(acks["records"][0]["actor"], actor);
  EXPECT_EQ(acks["records"][0]["tenant_id"], "sme-a");
  EXPECT_EQ(acks["records"][0]["target"], "#1");
  EXPECT_EQ(acks["records"][0]["detail"], "on it");
  RunResult table = Ctl({"audit", "list", "--tenant", "sme-a", "--action", "incident."});
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, HasSubstr(actor));
  EXPECT_THAT(table.output, HasSubstr("incident.ack"));
  nlohmann::json everything = Json(Ctl({"audit", "list", "--limit", "2", "--json"}));
  EXPECT_EQ(everything["records"].size(), 2u);
  nlohmann::json tokens_made =
      Json(Ctl({"audit", "list", "--action", "console_token.created", "--json"}));
  ASSERT_EQ(tokens_made["records"].size(), 2u);  // newest first
  EXPECT_EQ(tokens_made["records"][0]["actor"], "token:bootstrap-admin#1 (admin)");
  EXPECT_EQ(tokens_made["records"][0]["detail"], "role=responder responder=tanaka");
  EXPECT_EQ(tokens_made["records"][1]["actor"], "collector:first-start");

  // A responder does not read the audit log; a lead does.
  RunResult denied = Ctl({"audit", "list", "--token", tanaka});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.output, HasSubstr("(role responder) may not read the audit log"));
  created = Ctl({"tokens", "create", "lead", "--role", "lead"});
  const std::string lead = created.output.substr(created.output.find("otk-"), 68);
  EXPECT_EQ(Ctl({"audit", "list", "--token", lead}).exit_code, 0);
}

// Issue 5: "the customer may always ask for a visit". The SME's viewer token opens a work order
// with origin sme_request for its own tenant (otasukectl workorders open --origin sme-request);
// the audit log and the month's report count it as the customer's request. The viewer opens
// nothing else and nothing for another tenant.
TEST_F(WorkflowProcessTest, TheCustomersViewerTokenRequestsAVisit) {
  ASSERT_NO_FATAL_FAILURE(Start({"--clock", "manual", "--clock-start", Rfc3339(kStart)}));
  RunResult created =
      Ctl({"tokens", "create", "owner-sato", "--role", "viewer", "--tenant", "sme-a"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const std::string owner = created.output.substr(created.output.find("otk-"), 68);

  // No --tenant: a viewer's request is for its own tenant.
  nlohmann::json opened = Json(Ctl({"workorders", "open", "--origin", "sme-request", "--reason",
                                    "the till PC shows a ransom note", "--address", "千代田区1-2-3",
                                    "--as", "Sato", "--json", "--token", owner}));
  EXPECT_EQ(opened["tenant_id"], "sme-a") << opened.dump();
  EXPECT_EQ(opened["origin"], "WORK_ORDER_ORIGIN_SME_REQUEST");
  EXPECT_EQ(opened["state"], "WORK_ORDER_STATE_REQUESTED");
  const std::string actor = "Sato via token:owner-sato#2 (viewer)";
  EXPECT_EQ(opened["opened_by"], actor);

  RunResult dispatch =
      Ctl({"workorders", "open", "--origin", "responder", "--address", "x", "--token", owner});
  EXPECT_EQ(dispatch.exit_code, 1);
  EXPECT_THAT(dispatch.output, HasSubstr("(role viewer) may not open or advance work orders"));
  RunResult elsewhere = Ctl({"workorders", "open", "--origin", "sme-request", "--tenant", "sme-b",
                             "--address", "x", "--token", owner});
  EXPECT_EQ(elsewhere.exit_code, 1);
  EXPECT_THAT(elsewhere.output, HasSubstr("viewer of tenant sme-a) may not request a visit of "
                                          "tenant sme-b"));
  RunResult advance = Ctl({"workorders", "advance", "1", "--to", "accepted", "--token", owner});
  EXPECT_EQ(advance.exit_code, 1);
  EXPECT_THAT(advance.output, HasSubstr("may not open or advance work orders"));
  // A responder still opens visits of any origin (here: for the same SME, by policy).
  EXPECT_EQ(Ctl({"workorders", "open", "--tenant", "sme-a", "--origin", "policy", "--address", "x",
                 "--as", "tanaka"})
                .exit_code,
            0);

  nlohmann::json audit = Json(Ctl({"audit", "list", "--action", "workorder.open", "--json"}));
  ASSERT_EQ(audit["records"].size(), 2u) << audit.dump();
  EXPECT_EQ(audit["records"][1]["actor"], actor);  // newest first
  EXPECT_EQ(audit["records"][1]["detail"], "sme_request");
  EXPECT_EQ(audit["records"][1]["tenant_id"], "sme-a");
  EXPECT_EQ(audit["records"][0]["detail"], "policy");

  // The month's report counts the visits by origin; the owner may read it with the same token.
  nlohmann::json report =
      Json(Ctl({"reports", "monthly", "--month", "2026-10", "--format", "json", "--token", owner}));
  EXPECT_EQ(report["visits_by_origin"]["sme_request"], 1) << report.dump();
  EXPECT_EQ(report["visits_by_origin"]["policy"], 1);
  EXPECT_EQ(report["visits_by_origin"]["responder"], 0);
  RunResult csv = Ctl({"reports", "monthly", "--tenant", "sme-a", "--month", "2026-10", "--format",
                       "csv", "--lang", "en"});
  EXPECT_THAT(csv.output, HasSubstr("summary,Visits (customer request),1,"));
}

// Issue 5's bad input "a notifier endpoint that is down": the responder's webhook refuses every
// connection. Its notification is retried, then marked failed and shown by otasukectl, and the
// incident still escalates to the secondary when its SLA passes.
TEST_F(WorkflowProcessTest, AWebhookThatIsDownFailsVisiblyAndTheIncidentStillEscalates) {
  const std::string down = "http://127.0.0.1:1";  // nothing listens on port 1
  std::string team = kTeamYaml;
  team.replace(team.find("regions: [chiyoda]}"), 19,
               absl::StrCat("regions: [chiyoda], webhook: \"", down, "/tanaka\"}"));
  ASSERT_NO_FATAL_FAILURE(
      Start({"--clock", "manual", "--clock-start", Rfc3339(kStart), "--webhook-url", down + "/ops",
             "--webhook-max-attempts", "2", "--webhook-initial-backoff", "30s",
             "--webhook-max-backoff", "30s"},
            team));
  ASSERT_NO_FATAL_FAILURE(Send({ProcessAlert(1, "rule-1", 100)}));
  auto attempted = [&](int attempts) {
    nlohmann::json list;
    bool done = WaitUntil(absl::Seconds(30), [&] {
      list = Json(Ctl({"notifications", "list", "--json"}));
      if (list["notifications"].size() != 2) return false;
      for (const nlohmann::json& n : list["notifications"]) {
        if (n.value("attempts", 0) != attempts) return false;
      }
      return true;
    });
    EXPECT_TRUE(done) << list.dump() << ReadFileOrEmpty(dir_.file("collector.log"));
    return list;
  };
  attempted(1);
  ASSERT_NO_FATAL_FAILURE(At(absl::Seconds(30)));
  nlohmann::json failed = attempted(2);
  for (const nlohmann::json& n : failed["notifications"]) {
    EXPECT_EQ(n["state"], "failed") << n.dump();
    EXPECT_FALSE(n.value("last_error", "").empty()) << n.dump();
  }
  RunResult table = Ctl({"notifications", "list", "--state", "failed"});
  EXPECT_THAT(table.output, HasSubstr(down + "/tanaka"));
  // Filtered by tenant (a statement of its own, through the tenant's incidents).
  nlohmann::json own = Json(Ctl({"notifications", "list", "--tenant", "sme-a", "--json"}));
  ASSERT_EQ(own["notifications"].size(), 2u) << own.dump();
  for (const nlohmann::json& n : own["notifications"]) EXPECT_EQ(n["tenant_id"], "sme-a");
  auto id = [](const nlohmann::json& n) {  // proto JSON writes an int64 as a string
    return n["id"].is_string() ? std::stoll(n["id"].get<std::string>()) : n["id"].get<int64_t>();
  };
  EXPECT_GT(id(own["notifications"][0]), id(own["notifications"][1]));  // newest first
  nlohmann::json other = Json(Ctl({"notifications", "list", "--tenant", "sme-b", "--json"}));
  EXPECT_EQ(other.value("notifications", nlohmann::json::array()).size(), 0u) << other.dump();

  ASSERT_NO_FATAL_FAILURE(At(absl::Minutes(16)));
  nlohmann::json escalated;
  ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    escalated = Show(1);
    return escalated.value("assignee", "") == "suzuki";
  })) << escalated.dump();
  EXPECT_EQ(escalated["attempts"].back()["responder"], "suzuki");
  EXPECT_EQ(escalated["attempts"].back()["rung"], "secondary");
}

}  // namespace
}  // namespace otasuke::collector
