// otasukectl's tenancy and incident commands against the real collector process: the happy path
// of each command, role denials, bad input (unknown tenant or responder, overlapping rota entry,
// malformed import files: nothing half-imported) and the audit log of mutating calls.

#include <fstream>
#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/collector_process.h"
#include "tests/collector/sql_rows.h"
#include "tests/collector/test_agent.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::CollectorProcessTest;
using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::QueryRows;
using ::otasuke::collector::testing::RunResult;
using ::otasuke::collector::testing::TestAgent;
using ::otasuke::collector::testing::TestChannel;
using ::otasuke::testing::ReadFileOrEmpty;
using ::otasuke::testing::WaitUntil;
using ::testing::HasSubstr;
using ::testing::Not;

// One region, two SMEs, two responders and a lead; tanaka is primary around the clock.
constexpr char kTeamYaml[] = R"(regions:
  - name: chiyoda
    time_zone: Asia/Tokyo
tenants:
  - id: sme-a
    name: Bakery A
    region: chiyoda
    owner: {name: Sato, phone: "03-1111-2222", email: owner@a.example}
    address: 千代田区1-2-3
  - id: sme-b
    name: Clinic B
    region: chiyoda
    owner: {name: Ito, phone: "03-3333-4444"}
responders:
  - {handle: tanaka, name: Tanaka, role: responder, regions: [chiyoda], skills: [endpoint]}
  - {handle: suzuki, name: Suzuki, role: responder, regions: [chiyoda]}
  - {handle: boss, name: Boss, role: lead, regions: [chiyoda]}
rota:
  - region: chiyoda
    tier: primary
    responder: tanaka
    days: [mon, tue, wed, thu, fri, sat, sun]
    start: "00:00"
    end: "24:00"
)";

nlohmann::json Json(const RunResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return nlohmann::json::parse(result.output, nullptr, /*allow_exceptions=*/false);
}

class ConsoleProcessTest : public CollectorProcessTest {
 protected:
  void SetUp() override {
    StartCollector();
    std::ofstream(dir_.file("team.yaml")) << kTeamYaml;
  }

  void ImportTeam() {
    RunResult imported = Ctl({"tenants", "import", dir_.file("team.yaml")});
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
    ASSERT_THAT(imported.output,
                HasSubstr("imported 1 region(s), 2 tenant(s), 3 responder(s), 7 rota entries"));
  }

  // A new console token's secret.
  std::string Token(const std::string& name, const std::string& role,
                    const std::string& tenant = "") {
    std::vector<std::string> args = {"tokens", "create", name, "--role", role};
    if (!tenant.empty()) args.insert(args.end(), {"--tenant", tenant});
    RunResult created = Ctl(args);
    EXPECT_EQ(created.exit_code, 0) << created.output;
    size_t at = created.output.find("otk-");
    return at == std::string::npos ? "" : created.output.substr(at, 68);
  }

  // `audit_log` rows (actor, action, target) with this action.
  testing::SqlRows Audit(const std::string& action) {
    std::string sql = "SELECT actor, action, target FROM audit_log WHERE action = '" + action + "'";
    return QueryRows(database(), sql.c_str(), 3);
  }
};

TEST_F(ConsoleProcessTest, MalformedImportsNameWhereAndWhyAndImportNothing) {
  std::ofstream(dir_.file("tenants.csv"))
      << "id,name,region,owner_email,colour\nsme-x,X,chiyoda,not-an-email,red\n";
  RunResult csv = Ctl({"tenants", "import", dir_.file("tenants.csv")});
  EXPECT_EQ(csv.exit_code, 1);
  EXPECT_THAT(csv.output, HasSubstr("tenants.csv:1: colour: unknown column"));
  EXPECT_THAT(csv.output, HasSubstr("nothing imported"));

  std::ofstream(dir_.file("broken.yaml")) << "tenants:\n  - id: [unclosed\n";
  RunResult yaml = Ctl({"tenants", "import", dir_.file("broken.yaml")});
  EXPECT_EQ(yaml.exit_code, 1);
  EXPECT_THAT(yaml.output, HasSubstr("broken.yaml:"));

  // Valid records, but a rota row names a responder nobody knows: the whole import is rejected.
  std::ofstream(dir_.file("ghost.yaml"))
      << kTeamYaml << "  - {region: chiyoda, tier: secondary, responder: ghost, days: [mon], "
      << "start: \"09:00\", end: \"18:00\"}\n";
  RunResult ghost = Ctl({"tenants", "import", dir_.file("ghost.yaml")});
  EXPECT_EQ(ghost.exit_code, 1);
  EXPECT_THAT(ghost.output, HasSubstr("import rejected, nothing was changed"));
  EXPECT_THAT(ghost.output, HasSubstr("ghost.yaml:25: responder: unknown responder 'ghost'"));

  RunResult missing = Ctl({"tenants", "import", dir_.file("nope.yaml")});
  EXPECT_EQ(missing.exit_code, 2);

  nlohmann::json tenants = Json(Ctl({"tenants", "list", "--json"}));
  EXPECT_TRUE(tenants["tenants"].empty()) << tenants.dump();
  nlohmann::json responders = Json(Ctl({"responders", "list", "--json"}));
  EXPECT_TRUE(responders["responders"].empty()) << responders.dump();
}

TEST_F(ConsoleProcessTest, TenantsRespondersAndRotaAreManagedWithOtasukectl) {
  ImportTeam();
  RunResult shown = Ctl({"tenants", "show", "sme-a"});
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("tenant sme-a (Bakery A)"));
  EXPECT_THAT(shown.output, HasSubstr("千代田区1-2-3"));

  // update changes only the fields given.
  nlohmann::json updated = Json(Ctl({"tenants", "update", "sme-a", "--owner-phone", "03-9999-0000",
                                     "--ack-sla-high", "10m", "--json"}));
  EXPECT_EQ(updated["owner"]["phone"], "03-9999-0000");
  EXPECT_EQ(updated["owner"]["email"], "owner@a.example");
  EXPECT_EQ(updated["name"], "Bakery A");
  EXPECT_EQ(updated["ack_sla"]["high_seconds"], "600");
  EXPECT_EQ(updated["ack_sla"]["critical_seconds"], "900");

  RunResult again = Ctl({"tenants", "create", "sme-a", "--name", "A", "--region", "chiyoda"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.output, HasSubstr("tenant 'sme-a' already exists"));
  RunResult incomplete = Ctl({"tenants", "create", "sme-c", "--name", "C", "--region", "chiyoda"});
  EXPECT_EQ(incomplete.exit_code, 1);
  EXPECT_THAT(incomplete.output, HasSubstr("owner: needs at least one of phone, email or chat"));
  nlohmann::json created =
      Json(Ctl({"tenants", "create", "sme-c", "--name", "Cafe C", "--region", "chiyoda",
                "--owner-email", "c@c.example", "--dispatch-threshold", "high", "--json"}));
  EXPECT_EQ(created["dispatch_threshold"], "high");
  EXPECT_EQ(created["ack_sla"]["medium_seconds"], "3600");  // market default
  RunResult unknown = Ctl({"tenants", "show", "nobody"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("unknown tenant 'nobody'"));
  RunResult bad_sla = Ctl({"tenants", "update", "sme-a", "--ack-sla-low", "soon"});
  EXPECT_EQ(bad_sla.exit_code, 2);
  EXPECT_THAT(bad_sla.output, HasSubstr("'soon' is not a duration"));
  RunResult list = Ctl({"tenants", "list"});
  EXPECT_THAT(list.output, HasSubstr("Cafe C"));

  RunResult region = Ctl({"regions", "set", "minato", "--time-zone", "Asia/Tokyo"});
  EXPECT_EQ(region.exit_code, 0) << region.output;
  RunResult bad_zone = Ctl({"regions", "set", "mars", "--time-zone", "Mars/Olympus"});
  EXPECT_EQ(bad_zone.exit_code, 1);
  EXPECT_THAT(bad_zone.output, HasSubstr("unknown time zone 'Mars/Olympus'"));
  EXPECT_THAT(Ctl({"regions", "list"}).output, HasSubstr("minato"));

  nlohmann::json sato = Json(Ctl({"responders", "create", "sato", "--name", "Sato", "--regions",
                                  "chiyoda,minato", "--skills", "network", "--json"}));
  EXPECT_EQ(sato["role"], "responder");
  EXPECT_EQ(sato["regions"], nlohmann::json({"chiyoda", "minato"}));
  nlohmann::json phoned = Json(Ctl({"responders", "update", "sato", "--phone", "090", "--json"}));
  EXPECT_EQ(phoned["phone"], "090");
  EXPECT_EQ(phoned["skills"], nlohmann::json({"network"}));
  RunResult ghost = Ctl({"responders", "update", "ghost", "--phone", "1"});
  EXPECT_EQ(ghost.exit_code, 1);
  EXPECT_THAT(ghost.output, HasSubstr("unknown responder 'ghost'"));
  RunResult bad_role = Ctl({"responders", "create", "x", "--name", "X", "--role", "boss"});
  EXPECT_EQ(bad_role.exit_code, 1);
  EXPECT_THAT(bad_role.output, HasSubstr("role: unknown role 'boss'"));
  EXPECT_THAT(Ctl({"responders", "show", "sato"}).output, HasSubstr("chiyoda, minato"));

  // tanaka holds Monday all day: another primary entry on Monday overlaps.
  RunResult overlap = Ctl({"rota", "add", "--region", "chiyoda", "--responder", "sato", "--weekday",
                           "mon", "--start", "09:00", "--end", "12:00"});
  EXPECT_EQ(overlap.exit_code, 1);
  EXPECT_THAT(overlap.output, HasSubstr("overlaps entry"));
  RunResult nobody = Ctl({"rota", "add", "--region", "chiyoda", "--responder", "ghost", "--weekday",
                          "mon", "--start", "09:00", "--end", "12:00", "--tier", "secondary"});
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_THAT(nobody.output, HasSubstr("unknown responder 'ghost'"));
  nlohmann::json swap =
      Json(Ctl({"rota", "add", "--region", "chiyoda", "--responder", "sato", "--from",
                "2026-12-24T18:00:00+09:00", "--until", "2026-12-25T09:00:00+09:00", "--json"}));
  ASSERT_TRUE(swap.contains("id"));
  nlohmann::json christmas = Json(
      Ctl({"rota", "oncall", "--tenant", "sme-a", "--at", "2026-12-24T23:00:00+09:00", "--json"}));
  ASSERT_EQ(christmas["primary"].size(), 1u) << christmas.dump();
  EXPECT_EQ(christmas["primary"][0]["handle"], "sato");
  EXPECT_EQ(christmas["leads"][0]["handle"], "boss");
  RunResult usual =
      Ctl({"rota", "oncall", "--tenant", "sme-a", "--at", "2026-12-26T10:00:00+09:00"});
  EXPECT_THAT(usual.output, HasSubstr("primary  tanaka"));
  EXPECT_THAT(Ctl({"rota", "list", "--region", "chiyoda"}).output, HasSubstr("override"));
  RunResult removed = Ctl({"rota", "remove", swap["id"].get<std::string>()});
  EXPECT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_EQ(Ctl({"rota", "remove", swap["id"].get<std::string>()}).exit_code, 1);
  RunResult unknown_tenant = Ctl({"rota", "oncall", "--tenant", "nobody"});
  EXPECT_EQ(unknown_tenant.exit_code, 1);
  EXPECT_THAT(unknown_tenant.output, HasSubstr("unknown tenant 'nobody'"));

  // Every change is in the audit log under the admin token.
  testing::SqlRows upserts = Audit("tenant.upsert");
  ASSERT_GE(upserts.size(), 2u);
  EXPECT_EQ(upserts.back()[0], "token:bootstrap-admin#1 (admin)");
  EXPECT_EQ(Audit("rota.remove").size(), 1u);
  EXPECT_EQ(Audit("import").size(), 1u);
}

TEST_F(ConsoleProcessTest, RolesDecideWhoManagesTenantsAndWhatAViewerSees) {
  ImportTeam();
  const std::string responder = Token("night", "responder");
  const std::string lead = Token("lead", "lead");
  const std::string viewer = Token("bakery", "viewer", "sme-a");

  RunResult create = Ctl({"tenants", "create", "sme-z", "--name", "Z", "--region", "chiyoda",
                          "--owner-phone", "1", "--token", responder});
  EXPECT_EQ(create.exit_code, 1);
  EXPECT_THAT(create.output, HasSubstr("(role responder) may not manage tenants and regions"));
  std::ofstream(dir_.file("rule.yml")) << "title: x\n";
  RunResult push = Ctl({"rules", "push", dir_.file("rule.yml"), "--token", responder});
  EXPECT_EQ(push.exit_code, 1);
  EXPECT_THAT(push.output, HasSubstr("(role responder) may not push rules"));
  RunResult rota =
      Ctl({"rota", "add", "--region", "chiyoda", "--responder", "suzuki", "--tier", "secondary",
           "--weekday", "sat", "--start", "09:00", "--end", "18:00", "--token", responder});
  EXPECT_EQ(rota.exit_code, 1);
  EXPECT_THAT(rota.output, HasSubstr("may not manage responders and rotas"));
  EXPECT_EQ(Ctl({"responders", "list", "--token", responder}).exit_code, 0);

  // A lead manages responders and the rota, but not tenants (also not through an import).
  rota = Ctl({"rota", "add", "--region", "chiyoda", "--responder", "suzuki", "--tier", "secondary",
              "--weekday", "sat", "--start", "09:00", "--end", "18:00", "--token", lead});
  EXPECT_EQ(rota.exit_code, 0) << rota.output;
  RunResult lead_import = Ctl({"tenants", "import", dir_.file("team.yaml"), "--token", lead});
  EXPECT_EQ(lead_import.exit_code, 1);
  EXPECT_THAT(lead_import.output, HasSubstr("(role lead) may not manage tenants and regions"));
  EXPECT_THAT(Audit("rota.add").back()[0], ::testing::MatchesRegex("token:lead#[0-9]+ \\(lead\\)"));

  // The SME's viewer sees its own tenant and nothing else.
  nlohmann::json mine = Json(Ctl({"tenants", "list", "--json", "--token", viewer}));
  ASSERT_EQ(mine["tenants"].size(), 1u);
  EXPECT_EQ(mine["tenants"][0]["id"], "sme-a");
  RunResult other = Ctl({"tenants", "show", "sme-b", "--token", viewer});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.output, HasSubstr("(viewer of tenant sme-a) may not read tenants of tenant "
                                      "sme-b"));
  EXPECT_EQ(Ctl({"rota", "oncall", "--tenant", "sme-a", "--token", viewer}).exit_code, 1);
}

// Dispatch assigns incident 1 to tanaka and starts its acknowledge timer; people then work it
// with otasukectl. Ack stops the timer; every change is a stamped transition and an audit row.
TEST_F(ConsoleProcessTest, IncidentsAreWorkedWithOtasukectl) {
  ImportTeam();
  TestAgent bakery(TestChannel(port_));
  bakery.SendHello(MakeHello("agent-a", "sme-a", "register-pc"));
  bakery.SendAlerts({MakeAlert(1, "rule-1", v1::SEVERITY_HIGH, "register-pc"),
                     MakeAlert(2, "rule-1", v1::SEVERITY_HIGH, "register-pc")});
  ASSERT_TRUE(bakery.WaitForAck(2));
  TestAgent clinic(TestChannel(port_));
  clinic.SendHello(MakeHello("agent-b", "sme-b", "desk-pc"));
  clinic.SendAlerts({MakeAlert(1, "rule-2", v1::SEVERITY_MEDIUM, "desk-pc")});
  ASSERT_TRUE(clinic.WaitForAck(1));

  nlohmann::json one;
  ASSERT_TRUE(WaitUntil(absl::Seconds(30),
                        [&] {
                          one = Json(Ctl({"incidents", "show", "1", "--json"}));
                          return one.is_object() && one.value("assignee", "") == "tanaka";
                        }))
      << one.dump() << ReadFileOrEmpty(dir_.file("collector.log"));
  EXPECT_EQ(one["incident"]["tenant_id"], "sme-a");
  EXPECT_EQ(one["incident"]["state"], "INCIDENT_STATE_ASSIGNED");
  EXPECT_EQ(one["alert_ids"].size(), 2u);
  EXPECT_EQ(one["ack_timer"]["rung"], "primary");
  EXPECT_EQ(one["attempts"][0]["responder"], "tanaka");
  RunResult shown = Ctl({"incidents", "show", "1"});
  EXPECT_THAT(shown.output, HasSubstr("assignee:  tanaka"));
  EXPECT_THAT(shown.output, HasSubstr("new -> assigned"));

  nlohmann::json assigned =
      Json(Ctl({"incidents", "list", "--tenant", "sme-a", "--state", "assigned", "--json"}));
  ASSERT_EQ(assigned["incidents"].size(), 1u);
  nlohmann::json critical = Json(Ctl({"incidents", "list", "--severity", "critical", "--json"}));
  EXPECT_TRUE(critical["incidents"].empty());
  EXPECT_EQ(Ctl({"incidents", "list", "--state", "sleeping"}).exit_code, 2);

  // Acknowledging stops the escalation timer.
  nlohmann::json acked =
      Json(Ctl({"incidents", "ack", "1", "--note", "calling the owner", "--json"}));
  EXPECT_EQ(acked["incident"]["state"], "INCIDENT_STATE_ACKNOWLEDGED");
  EXPECT_FALSE(acked.contains("ack_timer") && !acked["ack_timer"].is_null()) << acked.dump();
  EXPECT_EQ(acked["transitions"].back()["actor"], "token:bootstrap-admin#1 (admin)");
  EXPECT_EQ(acked["transitions"].back()["note"], "calling the owner");
  EXPECT_TRUE(
      QueryRows(database(), "SELECT due_at FROM ack_timers WHERE incident_id = 1", 1).empty());
  RunResult twice = Ctl({"incidents", "ack", "1"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_THAT(twice.output, HasSubstr("is already acknowledged"));

  EXPECT_EQ(Json(Ctl({"incidents", "assign", "1", "suzuki", "--note", "hand-over",
                      "--json"}))["assignee"],
            "suzuki");
  RunResult ghost = Ctl({"incidents", "assign", "1", "ghost"});
  EXPECT_EQ(ghost.exit_code, 1);
  EXPECT_THAT(ghost.output, HasSubstr("unknown responder 'ghost'"));
  EXPECT_EQ(Ctl({"incidents", "note", "1", "--note", "owner called back"}).exit_code, 0);
  EXPECT_EQ(Ctl({"incidents", "note", "1"}).exit_code, 1);  // a note needs text
  EXPECT_EQ(Ctl({"incidents", "advance", "1", "--to", "investigating"}).exit_code, 0);
  RunResult back = Ctl({"incidents", "advance", "1", "--to", "acknowledged"});
  EXPECT_EQ(back.exit_code, 1);
  EXPECT_THAT(back.output, HasSubstr("cannot go from investigating back to acknowledged"));

  // Split the second alert off, then merge it back.
  std::string second = one["alert_ids"][1].get<std::string>();
  nlohmann::json split = Json(Ctl({"incidents", "split", "1", "--alerts", second, "--json"}));
  std::string split_id = split["incident"]["id"].get<std::string>();
  EXPECT_EQ(split["alert_ids"], nlohmann::json({second}));
  RunResult wrong = Ctl({"incidents", "split", "1", "--alerts", "9999"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.output, HasSubstr("alert #9999 is not in incident #1"));
  nlohmann::json merged =
      Json(Ctl({"incidents", "merge", split_id, "--into", "1", "--note", "same", "--json"}));
  EXPECT_EQ(merged["alert_ids"].size(), 2u);
  nlohmann::json gone = Json(Ctl({"incidents", "show", split_id, "--json"}));
  EXPECT_EQ(gone["merged_into"], "1");
  RunResult tenants_differ = Ctl({"incidents", "merge", "2", "--into", "1"});
  EXPECT_EQ(tenants_differ.exit_code, 1);
  EXPECT_THAT(tenants_differ.output, HasSubstr("belong to different tenants"));

  nlohmann::json resolved = Json(Ctl({"incidents", "resolve", "1", "--false-positive", "--note",
                                      "the owner's backup script", "--json"}));
  EXPECT_EQ(resolved["incident"]["state"], "INCIDENT_STATE_FALSE_POSITIVE");
  RunResult closed = Ctl({"incidents", "note", "1", "--note", "late"});
  EXPECT_EQ(closed.exit_code, 0) << closed.output;  // notes are kept on closed incidents too
  RunResult unknown = Ctl({"incidents", "show", "999"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("unknown incident #999"));

  for (const char* action : {"incident.ack", "incident.assign", "incident.note", "incident.state",
                             "incident.split", "incident.merge"}) {
    testing::SqlRows rows = Audit(action);
    ASSERT_FALSE(rows.empty()) << action;
    EXPECT_EQ(rows[0][0], "token:bootstrap-admin#1 (admin)") << action;
  }

  // The clinic's viewer sees the clinic's incident only, and changes nothing.
  const std::string viewer = Token("clinic", "viewer", "sme-b");
  nlohmann::json clinic_list = Json(Ctl({"incidents", "list", "--json", "--token", viewer}));
  ASSERT_EQ(clinic_list["incidents"].size(), 1u);
  EXPECT_EQ(clinic_list["incidents"][0]["tenant_id"], "sme-b");
  RunResult peek = Ctl({"incidents", "show", "1", "--token", viewer});
  EXPECT_EQ(peek.exit_code, 1);
  // Told as an unused id is: the viewer learns neither that #1 exists nor whose it is.
  EXPECT_THAT(peek.output, HasSubstr("unknown incident #1\n"));
  RunResult ack = Ctl({"incidents", "ack", "2", "--token", viewer});
  EXPECT_EQ(ack.exit_code, 1);
  EXPECT_THAT(ack.output, HasSubstr("(role viewer) may not change incidents"));
  EXPECT_EQ(Ctl({"incidents", "show", "2", "--token", viewer}).exit_code, 0);
}

}  // namespace
}  // namespace otasuke::collector
