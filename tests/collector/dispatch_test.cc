// Dispatch on real components: alerts ingested by the SqliteStore, tenants and rotas in the same
// database, the DispatchEngine assigning and escalating with a ManualClock (no sleeps), and the
// NotificationDispatcher delivering to a real local HTTP receiver. Also the hand-driven
// lifecycle (ack, assign, advance, note, merge, split), each change stamped in
// incident_transitions.

#include <future>

#include "collector/dispatch/dispatch_engine.h"
#include "collector/dispatch/incident_workflow.h"
#include "collector/incident/rule_window_grouper.h"
#include "collector/notify/dispatcher.h"
#include "collector/notify/webhook_notifier.h"
#include "collector/store/sqlite_store.h"
#include "collector/tenancy/import.h"
#include "collector/tenancy/sqlite_tenant_directory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace otasuke::collector::dispatch {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;
using ::otasuke::tools::WebhookSink;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kTenant[] = "sakura-bakery";

// Monday 2026-11-23 10:00 in Tokyo.
absl::Time MondayMorningInTokyo() {
  absl::TimeZone tokyo;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Tokyo", &tokyo));
  return absl::FromCivil(absl::CivilMinute(2026, 11, 23, 10, 0), tokyo);
}

std::string Team(const std::string& base_url) {
  return absl::StrCat(R"yaml(
tenants:
  - id: sakura-bakery
    name: さくらベーカリー
    region: setagaya
    owner: {name: 佐藤, phone: "03-0000-0000"}
    ack_sla: {critical: 15m, high: 15m, medium: 1h, low: 0}
    dispatch_threshold: medium
responders:
  - {handle: tanaka, name: 田中, regions: [setagaya], skills: [endpoint], webhook: ")yaml",
                      base_url, R"yaml(/tanaka"}
  - {handle: suzuki, name: 鈴木, regions: [setagaya], skills: [endpoint], webhook: ")yaml",
                      base_url, R"yaml(/suzuki"}
  - {handle: yamada, name: 山田, role: lead, regions: [setagaya], skills: [endpoint], webhook: ")yaml",
                      base_url, R"yaml(/yamada"}
  - {handle: kato, name: 加藤, role: lead, regions: [setagaya], skills: [network], webhook: ")yaml",
                      base_url, R"yaml(/kato"}
rota:
  - {region: setagaya, tier: primary, responder: tanaka, days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
  - {region: setagaya, tier: secondary, responder: suzuki, days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
)yaml");
}

class DispatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_unique<WebhookSink>(WebhookSink::Options{});
    auto port = sink_->Start();
    ASSERT_THAT(port, IsOk());
    OpenAll(absl::StrCat("http://127.0.0.1:", *port));
  }

  void OpenAll(const std::string& base_url) {
    SqliteStore::Options options;
    options.path = path_;
    auto store = SqliteStore::Open(std::move(options), clock_, grouper_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    auto directory = tenancy::SqliteTenantDirectory::Open(path_, clock_);
    ASSERT_THAT(directory, IsOk());
    directory_ = std::move(*directory);
    auto bundle = tenancy::ParseImport("team.yaml", Team(base_url));
    ASSERT_THAT(bundle, IsOk());
    ASSERT_THAT(directory_->Import(*bundle, "test"), IsOk());
    OpenEngine();
    auto workflow = IncidentWorkflow::Open(path_, *directory_, grouper_, clock_);
    ASSERT_THAT(workflow, IsOk());
    workflow_ = std::move(*workflow);
    notifications_ = std::make_unique<NotificationDispatcher>(
        *store_, clock_,
        DispatcherOptions{.max_attempts = 2,
                          .initial_backoff = absl::Seconds(2),
                          .max_backoff = absl::Seconds(2)});
    ASSERT_THAT(notifications_->AddNotifier(std::make_unique<WebhookNotifier>(
                    WebhookNotifier::Options{.secret = "", .timeout = absl::Seconds(5)})),
                IsOk());
  }

  void OpenEngine() {
    engine_.reset();
    auto engine = DispatchEngine::Open(path_, *directory_, clock_, DispatchOptions{});
    ASSERT_THAT(engine, IsOk());
    engine_ = std::move(*engine);
  }

  // Ingests alerts from one agent of the tenant; returns the new incidents' ids.
  std::vector<int64_t> Ingest(std::vector<v1::Alert> alerts, const std::string& host = "reji-pc") {
    std::promise<absl::StatusOr<AgentState>> hello;
    store_->UpsertAgent(MakeHello("agent-" + host, kTenant, host),
                        [&](auto s) { hello.set_value(s); });
    EXPECT_THAT(hello.get_future().get(), IsOk());
    for (v1::Alert& alert : alerts) {
      alert.set_agent_id("agent-" + host);
      alert.set_tenant_id(kTenant);
      alert.set_hostname(host);
      alert.set_sequence(++sequence_);
    }
    std::promise<absl::StatusOr<IngestResult>> done;
    store_->IngestAlerts("agent-" + host, std::move(alerts), [&](auto r) { done.set_value(r); });
    auto result = done.get_future().get();
    EXPECT_THAT(result, IsOk());
    return result.ok() ? result->new_incident_ids : std::vector<int64_t>{};
  }

  std::string Assignee(int64_t id) {
    auto detail = workflow_->Get(id);
    EXPECT_THAT(detail, IsOk());
    return detail.ok() ? detail->assignee : "";
  }

  std::vector<std::string> Paths() {
    std::vector<std::string> paths;
    for (const auto& request : sink_->requests()) paths.push_back(request.path);
    return paths;
  }

  std::vector<std::string> Outcomes(int64_t id) {
    auto detail = workflow_->Get(id);
    EXPECT_THAT(detail, IsOk());
    std::vector<std::string> out;
    if (detail.ok()) {
      for (const DispatchAttempt& a : detail->attempts) out.push_back(a.outcome);
    }
    return out;
  }

  otasuke::testing::TempDir dir_;
  std::string path_ = dir_.file("collector.db");
  ManualClock clock_{MondayMorningInTokyo()};
  RuleWindowGrouper grouper_{absl::Hours(1)};
  uint64_t sequence_ = 0;
  std::unique_ptr<WebhookSink> sink_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<tenancy::SqliteTenantDirectory> directory_;
  std::unique_ptr<DispatchEngine> engine_;
  std::unique_ptr<IncidentWorkflow> workflow_;
  std::unique_ptr<NotificationDispatcher> notifications_;
};

TEST_F(DispatchTest, NewIncidentGoesToTheOnCallResponderWhoIsNotified) {
  // Three alerts of one rule on one host make one incident; another rule makes a second.
  std::vector<int64_t> incidents = Ingest({MakeAlert(0, "susp-script", v1::SEVERITY_MEDIUM),
                                           MakeAlert(0, "susp-script", v1::SEVERITY_HIGH),
                                           MakeAlert(0, "susp-script", v1::SEVERITY_MEDIUM),
                                           MakeAlert(0, "ransom-note", v1::SEVERITY_CRITICAL)});
  ASSERT_THAT(incidents, SizeIs(2));
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(incidents[0]), "tanaka");
  EXPECT_EQ(Assignee(incidents[1]), "tanaka");
  auto detail = workflow_->Get(incidents[0]);
  ASSERT_THAT(detail, IsOk());
  EXPECT_EQ(detail->row.severity, v1::SEVERITY_HIGH);  // the maximum
  EXPECT_EQ(detail->row.alert_count, 3);
  ASSERT_THAT(detail->transitions, SizeIs(1));
  EXPECT_EQ(detail->transitions[0].from_state, "new");
  EXPECT_EQ(detail->transitions[0].to_state, "assigned");
  EXPECT_EQ(detail->transitions[0].actor, "dispatch");
  EXPECT_EQ(detail->transitions[0].at, clock_.Now());
  EXPECT_THAT(detail->transitions[0].note, HasSubstr("tanaka (primary, region setagaya)"));
  EXPECT_THAT(detail->transitions[0].note, HasSubstr("acknowledge within 15m"));

  auto sent = notifications_->RunDue();
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(*sent, 2);
  EXPECT_THAT(Paths(), ElementsAre("/tanaka", "/tanaka"));
  EXPECT_THAT(Outcomes(incidents[0]), ElementsAre("notified"));
}

TEST_F(DispatchTest, UnacknowledgedIncidentEscalatesToSecondaryThenLead) {
  std::vector<int64_t> incidents = Ingest({MakeAlert(0, "r", v1::SEVERITY_HIGH)});
  ASSERT_THAT(incidents, SizeIs(1));
  const int64_t id = incidents[0];
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "tanaka");

  clock_.Advance(absl::Minutes(14));
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "tanaka");  // not yet
  clock_.Advance(absl::Minutes(1));
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "suzuki");
  clock_.Advance(absl::Minutes(15));
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "yamada");  // the lead with the endpoint skill a Sigma alert needs
  clock_.Advance(absl::Minutes(15));
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "yamada");
  EXPECT_THAT(Outcomes(id), ElementsAre("notified", "notified", "notified", "exhausted"));

  ASSERT_THAT(notifications_->RunDue(), IsOk());
  EXPECT_THAT(Paths(), ElementsAre("/tanaka", "/suzuki", "/yamada"));
  auto detail = workflow_->Get(id);
  ASSERT_THAT(detail, IsOk());
  ASSERT_THAT(detail->transitions, SizeIs(3));
  EXPECT_EQ(detail->transitions[1].from_state, "assigned");
  EXPECT_EQ(detail->transitions[1].to_state, "assigned");
  EXPECT_THAT(detail->transitions[1].note,
              HasSubstr("not acknowledged within 15m: escalated to suzuki (secondary"));
  EXPECT_THAT(detail->transitions[2].note, HasSubstr("yamada (lead"));
}

TEST_F(DispatchTest, AcknowledgementStopsTheTimer) {
  const int64_t id = Ingest({MakeAlert(0, "r", v1::SEVERITY_HIGH)})[0];
  ASSERT_THAT(engine_->RunDue(), IsOk());
  clock_.Advance(absl::Minutes(5));
  ASSERT_THAT(workflow_->Acknowledge(id, "tanaka", "calling the owner"), IsOk());
  clock_.Advance(absl::Hours(2));
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "tanaka");
  auto detail = workflow_->Get(id);
  ASSERT_THAT(detail, IsOk());
  EXPECT_EQ(detail->row.state, v1::INCIDENT_STATE_ACKNOWLEDGED);
  ASSERT_THAT(detail->transitions, SizeIs(2));
  EXPECT_EQ(detail->transitions[1].to_state, "acknowledged");
  EXPECT_EQ(detail->transitions[1].actor, "tanaka");
  EXPECT_EQ(detail->transitions[1].note, "calling the owner");
  EXPECT_EQ(detail->transitions[1].at, MondayMorningInTokyo() + absl::Minutes(5));
  EXPECT_THAT(workflow_->Acknowledge(id, "tanaka", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, "already acknowledged"));
}

TEST_F(DispatchTest, TimersSurviveACollectorRestart) {
  const int64_t id = Ingest({MakeAlert(0, "r", v1::SEVERITY_CRITICAL)})[0];
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "tanaka");
  // Everything closes; time passes while the collector is down; everything reopens.
  notifications_.reset();
  workflow_.reset();
  engine_.reset();
  directory_.reset();
  store_.reset();
  clock_.Advance(absl::Minutes(20));
  OpenAll(absl::StrCat("http://127.0.0.1:", sink_->port()));
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "suzuki");
}

TEST_F(DispatchTest, BelowThresholdIsLeftToTheReports) {
  const int64_t id = Ingest({MakeAlert(0, "r", v1::SEVERITY_LOW)})[0];
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "");
  EXPECT_THAT(Outcomes(id), ElementsAre("below_threshold"));
  auto detail = workflow_->Get(id);
  ASSERT_THAT(detail, IsOk());
  EXPECT_EQ(detail->row.state, v1::INCIDENT_STATE_NEW);
}

TEST_F(DispatchTest, UnregisteredTenantIsVisibleNotFatal) {
  std::promise<absl::StatusOr<AgentState>> hello;
  store_->UpsertAgent(MakeHello("stray", "unknown-shop", "pc"),
                      [&](auto s) { hello.set_value(s); });
  ASSERT_THAT(hello.get_future().get(), IsOk());
  v1::Alert alert = MakeAlert(1, "r", v1::SEVERITY_CRITICAL, "pc");
  alert.set_agent_id("stray");
  alert.set_tenant_id("unknown-shop");
  std::promise<absl::StatusOr<IngestResult>> done;
  store_->IngestAlerts("stray", {alert}, [&](auto r) { done.set_value(r); });
  auto result = done.get_future().get();
  ASSERT_THAT(result, IsOk());
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_THAT(Outcomes(result->new_incident_ids[0]), ElementsAre("no_route"));
  EXPECT_EQ(engine_->counters().unrouted, 1u);
}

TEST_F(DispatchTest, NotifierDownRetriesFailsVisiblyAndTheIncidentStillEscalates) {
  // Reopen with every responder's webhook on a port nobody listens on.
  const int dead_port = sink_->port();
  sink_->Stop();
  notifications_.reset();
  workflow_.reset();
  engine_.reset();
  directory_.reset();
  store_.reset();
  std::filesystem::remove(path_);
  OpenAll(absl::StrCat("http://127.0.0.1:", dead_port));
  const int64_t id = Ingest({MakeAlert(0, "r", v1::SEVERITY_HIGH)})[0];
  ASSERT_THAT(engine_->RunDue(), IsOk());
  ASSERT_THAT(notifications_->RunDue(), IsOk());  // attempt 1 fails
  clock_.Advance(absl::Seconds(2));
  ASSERT_THAT(notifications_->RunDue(), IsOk());  // attempt 2 fails: given up
  EXPECT_EQ(notifications_->counters().given_up, 1u);
  auto db = SqliteDb::Open(path_, {});
  ASSERT_THAT(db, IsOk());
  auto state = (*db)->Prepare("SELECT state, attempts FROM notifications WHERE incident_id = ?");
  ASSERT_THAT(state, IsOk());
  state->Bind(1, id);
  ASSERT_TRUE(*state->Step());
  EXPECT_EQ(state->Text(0), "failed");
  EXPECT_EQ(state->Int(1), 2);

  clock_.Advance(absl::Minutes(15));
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(id), "suzuki");
}

TEST_F(DispatchTest, NetworkIncidentsPreferTheLeadWithTheNetworkSkill) {
  // Saturday: no one on the weekly rota, so the leads are the first rung.
  clock_.Advance(absl::Hours(24 * 5));
  v1::Alert network = MakeAlert(0, "lan-fan-out", v1::SEVERITY_HIGH);
  network.mutable_rule()->set_engine(v1::ENGINE_SURICATA);
  const int64_t net = Ingest({network})[0];
  const int64_t host = Ingest({MakeAlert(0, "r", v1::SEVERITY_HIGH)}, "office-pc")[0];
  ASSERT_THAT(engine_->RunDue(), IsOk());
  EXPECT_EQ(Assignee(net), "kato");
  EXPECT_EQ(Assignee(host), "yamada");
}

TEST_F(DispatchTest, LifecycleByHandIsStampedAndGuarded) {
  const int64_t id = Ingest({MakeAlert(0, "r", v1::SEVERITY_HIGH)})[0];
  ASSERT_THAT(workflow_->Assign(id, "suzuki", "yamada", "knows this customer"), IsOk());
  ASSERT_THAT(engine_->RunDue(), IsOk());  // already assigned by hand: left alone
  EXPECT_EQ(Assignee(id), "suzuki");
  ASSERT_THAT(workflow_->Acknowledge(id, "suzuki", ""), IsOk());
  ASSERT_THAT(workflow_->Advance(id, v1::INCIDENT_STATE_INVESTIGATING, "suzuki", "remote session"),
              IsOk());
  ASSERT_THAT(workflow_->Note(id, "suzuki", "owner says it was a test"), IsOk());
  EXPECT_THAT(workflow_->Advance(id, v1::INCIDENT_STATE_ACKNOWLEDGED, "suzuki", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot go from investigating back to acknowledged"));
  ASSERT_THAT(workflow_->Advance(id, v1::INCIDENT_STATE_FALSE_POSITIVE, "suzuki", "test"), IsOk());
  EXPECT_THAT(workflow_->Advance(id, v1::INCIDENT_STATE_RESOLVED, "suzuki", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, "closed incidents do not change"));
  EXPECT_THAT(workflow_->Assign(id, "ghost", "yamada", ""),
              StatusIs(absl::StatusCode::kNotFound, "unknown responder 'ghost'"));
  EXPECT_THAT(workflow_->Acknowledge(9999, "x", ""),
              StatusIs(absl::StatusCode::kNotFound, "unknown incident #9999"));
  auto detail = workflow_->Get(id);
  ASSERT_THAT(detail, IsOk());
  std::vector<std::string> states;
  for (const Transition& t : detail->transitions) states.push_back(t.from_state + ">" + t.to_state);
  EXPECT_THAT(states,
              ElementsAre("new>assigned", "assigned>acknowledged", "acknowledged>investigating",
                          "investigating>investigating", "investigating>false_positive"));
  EXPECT_EQ(detail->transitions[0].note, "assigned to suzuki: knows this customer");
}

TEST_F(DispatchTest, MergeAndSplitMoveAlertsAndAreAudited) {
  std::vector<int64_t> a =
      Ingest({MakeAlert(0, "r1", v1::SEVERITY_MEDIUM), MakeAlert(0, "r1", v1::SEVERITY_MEDIUM)});
  std::vector<int64_t> b = Ingest({MakeAlert(0, "r2", v1::SEVERITY_CRITICAL)});
  ASSERT_THAT(workflow_->Merge(a[0], b[0], "yamada", "same intrusion"), IsOk());
  auto merged = workflow_->Get(a[0]);
  ASSERT_THAT(merged, IsOk());
  EXPECT_EQ(merged->row.alert_count, 3);
  EXPECT_EQ(merged->row.severity, v1::SEVERITY_CRITICAL);
  auto closed = workflow_->Get(b[0]);
  ASSERT_THAT(closed, IsOk());
  EXPECT_EQ(closed->row.state, v1::INCIDENT_STATE_RESOLVED);
  EXPECT_EQ(closed->row.merged_into, a[0]);
  EXPECT_THAT(workflow_->Merge(a[0], b[0], "yamada", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, "merged into"));

  const int64_t last_alert = merged->alert_ids.back();
  auto split = workflow_->Split(a[0], {last_alert}, "yamada", "different cause after all");
  ASSERT_THAT(split, IsOk());
  auto fresh = workflow_->Get(*split);
  ASSERT_THAT(fresh, IsOk());
  EXPECT_THAT(fresh->alert_ids, ElementsAre(last_alert));
  EXPECT_EQ(fresh->row.severity, v1::SEVERITY_CRITICAL);
  auto rest = workflow_->Get(a[0]);
  ASSERT_THAT(rest, IsOk());
  EXPECT_EQ(rest->row.alert_count, 2);
  EXPECT_EQ(rest->row.severity, v1::SEVERITY_MEDIUM);
  EXPECT_THAT(workflow_->Split(a[0], rest->alert_ids, "yamada", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "would leave incident"));
  EXPECT_THAT(workflow_->Split(a[0], {last_alert}, "yamada", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "is not in incident"));

  auto db = SqliteDb::Open(path_, {});
  ASSERT_THAT(db, IsOk());
  auto audit = (*db)->Prepare(
      "SELECT action FROM audit_log WHERE action LIKE 'incident.%' "
      "ORDER BY id");
  ASSERT_THAT(audit, IsOk());
  std::vector<std::string> actions;
  while (*audit->Step()) actions.push_back(audit->Text(0));
  EXPECT_THAT(actions, ElementsAre("incident.merge", "incident.split"));
}

}  // namespace
}  // namespace otasuke::collector::dispatch
