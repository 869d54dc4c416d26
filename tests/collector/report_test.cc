// Reports on a real collector database: alerts ingested by the SqliteStore, dispatch by the
// DispatchEngine, notifications delivered by the NotificationDispatcher to a real local HTTP
// receiver, the lifecycle driven through IncidentWorkflow and visits through SqliteWorkOrders,
// every step stamped by a ManualClock. The monthly report and KPIs must give the medians, 90th
// percentiles, funnel and SLA breaches worked out by hand below; the renderers must escape.

#include <future>
#include <nlohmann/json.hpp>

#include "collector/dispatch/dispatch_engine.h"
#include "collector/dispatch/incident_workflow.h"
#include "collector/incident/rule_window_grouper.h"
#include "collector/notify/dispatcher.h"
#include "collector/notify/webhook_notifier.h"
#include "collector/report/percentiles.h"
#include "collector/report/report_builder.h"
#include "collector/report/report_render.h"
#include "collector/store/sqlite_store.h"
#include "collector/tenancy/import.h"
#include "collector/tenancy/sqlite_tenant_directory.h"
#include "collector/workorder/sqlite_work_orders.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace otasuke::collector::report {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kSakura[] = "sakura";
constexpr char kKaede[] = "kaede";
// Commas, quotes and markup: the renderers must escape all of it.
constexpr char kSakuraName[] = "<script>alert(\"x\")</script>, \"Sakura\" Bakery";

absl::TimeZone Tokyo() {
  absl::TimeZone tokyo;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Tokyo", &tokyo));
  return tokyo;
}

absl::Time TokyoTime(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute), Tokyo());
}

std::string Team(const std::string& base_url) {
  return absl::StrCat(R"yaml(
regions:
  - {name: setagaya, time_zone: Asia/Tokyo}
tenants:
  - id: sakura
    name: '<script>alert("x")</script>, "Sakura" Bakery'
    region: setagaya
    owner: {name: 佐藤, phone: "03-0000-0000"}
    address: 東京都世田谷区1-2-3
    ack_sla: {critical: 15m, high: 15m, medium: 1h, low: 0}
    dispatch_threshold: medium
  - id: kaede
    name: かえで歯科
    region: setagaya
    owner: {name: 楓, phone: "03-1111-1111"}
responders:
  - {handle: tanaka, name: 田中, regions: [setagaya], skills: [endpoint], webhook: ")yaml",
                      base_url, R"yaml(/tanaka"}
rota:
  - {region: setagaya, tier: primary, responder: tanaka, days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00"}
)yaml");
}

TEST(PercentilesTest, MedianAndNearestRankP90AreExact) {
  auto summarize = [](std::vector<int> seconds) {
    std::vector<absl::Duration> samples;
    for (int s : seconds) samples.push_back(absl::Seconds(s));
    return Summarize(samples);
  };
  EXPECT_EQ(summarize({}).count, 0);
  DurationStats one = summarize({7});
  EXPECT_EQ(one.median, absl::Seconds(7));
  EXPECT_EQ(one.p90, absl::Seconds(7));
  DurationStats four = summarize({4, 1, 3, 2});
  EXPECT_EQ(four.median, absl::Milliseconds(2500));
  EXPECT_EQ(four.p90, absl::Seconds(4));  // rank ceil(3.6) = 4
  DurationStats ten = summarize({10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
  EXPECT_EQ(ten.median, absl::Milliseconds(5500));
  EXPECT_EQ(ten.p90, absl::Seconds(9));  // rank 9
  DurationStats eleven = summarize({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  EXPECT_EQ(eleven.median, absl::Seconds(6));
  EXPECT_EQ(eleven.p90, absl::Seconds(10));  // rank ceil(9.9) = 10
}

TEST(ReportMessagesTest, DurationsAndLanguages) {
  EXPECT_EQ(FormatDuration(Lang::kJa, absl::Seconds(210)), "3分30秒");
  EXPECT_EQ(FormatDuration(Lang::kEn, absl::Seconds(210)), "3 min 30 s");
  EXPECT_EQ(FormatDuration(Lang::kJa, absl::Hours(2) + absl::Minutes(5)), "2時間5分");
  EXPECT_EQ(FormatDuration(Lang::kEn, absl::Hours(50)), "2 d 2 h");
  EXPECT_EQ(FormatDuration(Lang::kEn, absl::ZeroDuration()), "0 s");
  EXPECT_EQ(FormatYen(1234567), "¥1,234,567");
  EXPECT_THAT(ParseLang("fr"), StatusIs(absl::StatusCode::kInvalidArgument, "ja, en"));
  EXPECT_THAT(ParseMonth("2026-13"),
              StatusIs(absl::StatusCode::kInvalidArgument, "'2026-13' is not a month as YYYY-MM"));
  EXPECT_THAT(ParseMonth("2026-1"), Not(IsOk()));
  EXPECT_EQ(CsvField("a,b \"c\""), "\"a,b \"\"c\"\"\"");
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(HtmlEscape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

// Splits RFC 4180 text into records of fields (quoted fields may hold commas, quotes, CRLF).
std::vector<std::vector<std::string>> ParseCsv(std::string_view text) {
  std::vector<std::vector<std::string>> records(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      records.back().push_back(std::move(field));
      field.clear();
      records.emplace_back();
      ++i;
    } else {
      field.push_back(c);
    }
  }
  if (records.back().empty() && field.empty()) records.pop_back();
  return records;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_unique<tools::WebhookSink>(tools::WebhookSink::Options{});
    auto port = sink_->Start();
    ASSERT_THAT(port, IsOk());
    SqliteStore::Options options;
    options.path = path_;
    auto store = SqliteStore::Open(std::move(options), clock_, grouper_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    auto directory = tenancy::SqliteTenantDirectory::Open(path_, clock_);
    ASSERT_THAT(directory, IsOk());
    directory_ = std::move(*directory);
    auto bundle = tenancy::ParseImport("team.yaml", Team(absl::StrCat("http://127.0.0.1:", *port)));
    ASSERT_THAT(bundle, IsOk());
    ASSERT_THAT(directory_->Import(*bundle, "test"), IsOk());
    auto engine = dispatch::DispatchEngine::Open(path_, *directory_, clock_, {});
    ASSERT_THAT(engine, IsOk());
    engine_ = std::move(*engine);
    auto workflow = dispatch::IncidentWorkflow::Open(path_, *directory_, grouper_, clock_);
    ASSERT_THAT(workflow, IsOk());
    workflow_ = std::move(*workflow);
    notifications_ = std::make_unique<NotificationDispatcher>(*store_, clock_, DispatcherOptions{});
    ASSERT_THAT(notifications_->AddNotifier(std::make_unique<WebhookNotifier>(
                    WebhookNotifier::Options{.secret = "", .timeout = absl::Seconds(5)})),
                IsOk());
    auto orders = SqliteWorkOrders::Open(path_, clock_);
    ASSERT_THAT(orders, IsOk());
    orders_ = std::move(*orders);
    auto builder = ReportBuilder::Open(path_, *directory_, clock_);
    ASSERT_THAT(builder, IsOk());
    builder_ = std::move(*builder);
  }

  // Ingests alerts of (rule, severity) from the tenant's one agent; returns new incident ids.
  std::vector<int64_t> Ingest(const std::string& tenant,
                              std::vector<std::pair<std::string, v1::Severity>> alerts) {
    const std::string agent = "agent-" + tenant;
    std::promise<absl::StatusOr<AgentState>> hello;
    store_->UpsertAgent(MakeHello(agent, tenant, tenant + "-pc"),
                        [&](auto s) { hello.set_value(s); });
    EXPECT_THAT(hello.get_future().get(), IsOk());
    std::vector<v1::Alert> batch;
    for (const auto& [rule, severity] : alerts) {
      v1::Alert alert = MakeAlert(++sequence_[tenant], rule, severity, tenant + "-pc");
      alert.set_agent_id(agent);
      alert.set_tenant_id(tenant);
      batch.push_back(std::move(alert));
    }
    std::promise<absl::StatusOr<IngestResult>> done;
    store_->IngestAlerts(agent, std::move(batch), [&](auto r) { done.set_value(r); });
    auto result = done.get_future().get();
    EXPECT_THAT(result, IsOk());
    return result.ok() ? result->new_incident_ids : std::vector<int64_t>{};
  }

  void At(absl::Duration since_start) { clock_.Set(kStart + since_start); }

  void Advance(int64_t id, v1::IncidentState to) {
    ASSERT_THAT(workflow_->Advance(id, to, "tanaka", ""), IsOk());
  }

  int64_t OpenOrder(int64_t incident, v1::WorkOrderOrigin origin) {
    v1::OpenWorkOrderRequest request;
    request.set_tenant_id(kSakura);
    request.set_incident_id(incident);
    request.set_origin(origin);
    request.set_reason("PC を隔離する");
    request.set_actor("tanaka");
    auto order = orders_->Open(request);
    EXPECT_THAT(order, IsOk());
    return order.ok() ? order->id() : 0;
  }

  void AdvanceOrder(int64_t id, v1::WorkOrderState to, int64_t cost = 0) {
    v1::AdvanceWorkOrderRequest request;
    request.set_id(id);
    request.set_to_state(to);
    request.set_actor("tanaka");
    request.set_action("step");
    request.set_cost_yen(cost);
    ASSERT_THAT(orders_->Advance(request), IsOk());
  }

  // The month of October 2026 as worked out in the comments of the test below.
  void PlayOctober() {
    At(absl::ZeroDuration());
    std::vector<int64_t> ids = Ingest(kSakura, {{"h1", v1::SEVERITY_HIGH},
                                                {"h2", v1::SEVERITY_HIGH},
                                                {"h3", v1::SEVERITY_HIGH},
                                                {"h4", v1::SEVERITY_HIGH},
                                                {"h5", v1::SEVERITY_HIGH},
                                                {"h6", v1::SEVERITY_HIGH},
                                                {"m1", v1::SEVERITY_MEDIUM},
                                                {"m1", v1::SEVERITY_MEDIUM},
                                                {"l1", v1::SEVERITY_LOW},
                                                {"l1", v1::SEVERITY_LOW},
                                                {"l1", v1::SEVERITY_LOW}});
    ASSERT_THAT(ids, SizeIs(8));
    h_.assign(ids.begin(), ids.begin() + 6);
    m1_ = ids[6];
    kaede_incident_ = Ingest(kKaede, {{"c1", v1::SEVERITY_CRITICAL}})[0];
    ASSERT_THAT(engine_->RunDue(), IsOk());  // h1..h6, m1 and kaede's c1 go to tanaka
    At(absl::Seconds(30));
    ASSERT_THAT(notifications_->RunDue(), IsOk());  // all eight delivered at +30 s
    ASSERT_EQ(sink_->requests().size(), 8u);
    // Acknowledged after 1, 2, 3, 4, 16 and 30 minutes.
    const int ack_minutes[] = {1, 2, 3, 4, 16, 30};
    for (int i = 0; i < 6; ++i) {
      At(absl::Minutes(ack_minutes[i]));
      ASSERT_THAT(workflow_->Acknowledge(h_[i], "tanaka", ""), IsOk());
    }
    Advance(h_[2], v1::INCIDENT_STATE_FALSE_POSITIVE);  // +30 min
    At(absl::Hours(1));
    Advance(h_[0], v1::INCIDENT_STATE_CONTAINED);
    At(absl::Hours(2));
    Advance(h_[0], v1::INCIDENT_STATE_RESOLVED);
    At(absl::Hours(3));
    Advance(h_[1], v1::INCIDENT_STATE_RESOLVED);
    // h4 needs a visit: opened +4 h, arrived +4 h 30, contained +5 h, closed +6 h; ¥4,200.
    At(absl::Hours(4));
    visit_ = OpenOrder(h_[3], v1::WORK_ORDER_ORIGIN_RESPONDER);
    AdvanceOrder(visit_, v1::WORK_ORDER_STATE_ACCEPTED);
    At(absl::Minutes(250));
    AdvanceOrder(visit_, v1::WORK_ORDER_STATE_DEPARTED);
    At(absl::Minutes(270));
    AdvanceOrder(visit_, v1::WORK_ORDER_STATE_ARRIVED, 1200);
    At(absl::Hours(5));
    Advance(h_[3], v1::INCIDENT_STATE_CONTAINED);
    AdvanceOrder(visit_, v1::WORK_ORDER_STATE_CONTAINED);
    At(absl::Hours(6));
    AdvanceOrder(visit_, v1::WORK_ORDER_STATE_CLOSED, 3000);
    sme_visit_ = OpenOrder(0, v1::WORK_ORDER_ORIGIN_SME_REQUEST);  // stays requested
    // The last half hour of October in Tokyo (still 31 October in UTC either side).
    clock_.Set(TokyoTime(2026, 10, 31, 23, 30));
    late_ = Ingest(kSakura, {{"late", v1::SEVERITY_LOW}})[0];
    clock_.Set(TokyoTime(2026, 11, 1, 0, 30));
    november_ = Ingest(kSakura, {{"nov", v1::SEVERITY_HIGH}})[0];
    Advance(h_[4], v1::INCIDENT_STATE_RESOLVED);  // after October: not in its report
    clock_.Set(TokyoTime(2026, 11, 2, 10, 0));
  }

  // Monday 2026-10-05 10:00 in Tokyo.
  const absl::Time kStart = TokyoTime(2026, 10, 5, 10, 0);
  otasuke::testing::TempDir dir_;
  std::string path_ = dir_.file("collector.db");
  ManualClock clock_{kStart};
  RuleWindowGrouper grouper_{absl::Hours(1)};
  std::map<std::string, uint64_t> sequence_;
  std::unique_ptr<tools::WebhookSink> sink_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<tenancy::SqliteTenantDirectory> directory_;
  std::unique_ptr<dispatch::DispatchEngine> engine_;
  std::unique_ptr<dispatch::IncidentWorkflow> workflow_;
  std::unique_ptr<NotificationDispatcher> notifications_;
  std::unique_ptr<SqliteWorkOrders> orders_;
  std::unique_ptr<ReportBuilder> builder_;
  std::vector<int64_t> h_;
  int64_t m1_ = 0, kaede_incident_ = 0, visit_ = 0, sme_visit_ = 0, late_ = 0, november_ = 0;
};

TEST_F(ReportTest, MonthlyFiguresAreThoseOfTheMonthInTheRegionsTimeZone) {
  ASSERT_NO_FATAL_FAILURE(PlayOctober());
  auto report = builder_->Monthly(kSakura, "2026-10");
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->tenant_name, kSakuraName);
  EXPECT_EQ(report->time_zone, "Asia/Tokyo");
  EXPECT_EQ(report->period.from, TokyoTime(2026, 10, 1, 0, 0));
  EXPECT_EQ(report->period.to, TokyoTime(2026, 11, 1, 0, 0));
  EXPECT_EQ(report->period.as_of, report->period.to);
  // Alerts: six high, two medium, three low + the late one (23:30 Tokyo); not November's.
  EXPECT_EQ(report->alerts_by_severity[v1::SEVERITY_HIGH], 6);
  EXPECT_EQ(report->alerts_by_severity[v1::SEVERITY_MEDIUM], 2);
  EXPECT_EQ(report->alerts_by_severity[v1::SEVERITY_LOW], 4);
  EXPECT_EQ(report->alerts_by_severity[v1::SEVERITY_CRITICAL], 0);
  EXPECT_EQ(report->incidents_by_severity[v1::SEVERITY_HIGH], 6);
  EXPECT_EQ(report->incidents_by_severity[v1::SEVERITY_MEDIUM], 1);
  EXPECT_EQ(report->incidents_by_severity[v1::SEVERITY_LOW], 2);
  // Funnel: h1, h2 remote; h4 on site; h3 false positive; h5, h6, m1, l1, late open.
  EXPECT_EQ(report->funnel.alerts, 12);
  EXPECT_EQ(report->funnel.incidents, 9);
  EXPECT_EQ(report->funnel.handled_remotely, 2);
  EXPECT_EQ(report->funnel.on_site, 1);
  EXPECT_EQ(report->funnel.false_positive, 1);
  EXPECT_EQ(report->funnel.open, 5);
  // Notified: the seven dispatched incidents, each 30 s after creation.
  EXPECT_EQ(report->response.notify.count, 7);
  EXPECT_EQ(report->response.notify.median, absl::Seconds(30));
  EXPECT_EQ(report->response.notify.p90, absl::Seconds(30));
  // Acknowledged after 1, 2, 3, 4, 16, 30 min: median (3 + 4) / 2, p90 rank ceil(5.4) = 6.
  EXPECT_EQ(report->response.ack.count, 6);
  EXPECT_EQ(report->response.ack.median, absl::Seconds(210));
  EXPECT_EQ(report->response.ack.p90, absl::Minutes(30));
  // Contained: h1 1 h, h2 3 h (resolved), h4 5 h.
  EXPECT_EQ(report->response.contain.count, 3);
  EXPECT_EQ(report->response.contain.median, absl::Hours(3));
  EXPECT_EQ(report->response.contain.p90, absl::Hours(5));
  // Closed: h3 30 min (false positive), h1 2 h, h2 3 h; h5 was resolved in November.
  EXPECT_EQ(report->response.resolve.count, 3);
  EXPECT_EQ(report->response.resolve.median, absl::Hours(2));
  EXPECT_EQ(report->response.resolve.p90, absl::Hours(3));
  // SLA: six high and one medium; h5 (16 min), h6 (30 min) late, m1 never acknowledged.
  EXPECT_EQ(report->sla.eligible, 7);
  EXPECT_EQ(report->sla.breaches, 3);
  ASSERT_THAT(report->visits, SizeIs(2));
  EXPECT_EQ(report->visits[0].id, visit_);
  EXPECT_EQ(report->visits[0].state, "closed");
  EXPECT_EQ(report->visits[0].cost_yen, 4200);
  EXPECT_EQ(report->visits[0].arrived, kStart + absl::Minutes(270));
  EXPECT_EQ(report->visits[0].closed, kStart + absl::Hours(6));
  EXPECT_EQ(report->visits[1].state, "requested");
  EXPECT_EQ(report->visit_cost_yen, 4200);
  ASSERT_THAT(report->open_visits, SizeIs(1));
  EXPECT_EQ(report->open_visits[0].id, sme_visit_);
  // Open at the end of October, at or above the threshold: h4 (contained), h5, h6, m1.
  std::vector<int64_t> open;
  for (const IncidentFacts& facts : report->open_incidents) open.push_back(facts.id);
  EXPECT_EQ(open, (std::vector<int64_t>{h_[3], h_[4], h_[5], m1_}));
  EXPECT_EQ(report->open_incidents[1].state_at, "acknowledged");

  auto november = builder_->Monthly(kSakura, "2026-11");
  ASSERT_THAT(november, IsOk());
  EXPECT_EQ(november->period.as_of, clock_.Now());
  EXPECT_EQ(november->funnel.alerts, 1);
  EXPECT_EQ(november->funnel.incidents, 1);
  EXPECT_EQ(november->sla.eligible, 1);
  EXPECT_EQ(november->sla.breaches, 1);  // new since 00:30 on the 1st, never acknowledged
  open.clear();
  for (const IncidentFacts& facts : november->open_incidents) open.push_back(facts.id);
  EXPECT_EQ(open, (std::vector<int64_t>{h_[3], h_[5], m1_, november_}));
}

TEST_F(ReportTest, KpisAcrossTenantsAndFiltered) {
  ASSERT_NO_FATAL_FAILURE(PlayOctober());
  KpiQuery query{.from = TokyoTime(2026, 10, 1, 0, 0), .to = TokyoTime(2026, 11, 1, 0, 0)};
  auto all = builder_->Kpis(query);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->total.funnel.alerts, 13);
  EXPECT_EQ(all->total.funnel.incidents, 10);
  EXPECT_EQ(all->total.funnel.open, 6);  // + kaede's critical
  EXPECT_EQ(all->total.response.notify.count, 8);
  EXPECT_EQ(all->total.sla.eligible, 8);
  EXPECT_EQ(all->total.sla.breaches, 4);
  ASSERT_THAT(all->regions, SizeIs(1));
  EXPECT_EQ(all->regions[0].name, "setagaya");
  EXPECT_EQ(all->regions[0].funnel.incidents, 10);
  ASSERT_THAT(all->tenants, SizeIs(2));
  EXPECT_EQ(all->tenants[0].name, kKaede);
  EXPECT_EQ(all->tenants[0].funnel.incidents, 1);
  EXPECT_EQ(all->tenants[1].name, kSakura);

  query.tenant_id = kSakura;
  auto sakura = builder_->Kpis(query);
  ASSERT_THAT(sakura, IsOk());
  auto monthly = builder_->Monthly(kSakura, "2026-10");
  ASSERT_THAT(monthly, IsOk());
  EXPECT_EQ(sakura->total.funnel.incidents, monthly->funnel.incidents);
  EXPECT_EQ(sakura->total.funnel.alerts, monthly->funnel.alerts);
  EXPECT_EQ(sakura->total.response.ack.median, monthly->response.ack.median);
  EXPECT_EQ(sakura->total.response.ack.p90, monthly->response.ack.p90);
  EXPECT_EQ(sakura->total.sla.breaches, monthly->sla.breaches);

  std::string csv = RenderKpiCsv(*all);
  auto rows = ParseCsv(csv);
  ASSERT_THAT(rows, SizeIs(1 + 1 + 1 + 2));  // header, total, region, two tenants
  for (const auto& row : rows) EXPECT_EQ(row.size(), rows[0].size());
  EXPECT_EQ(rows[0][0], "scope");
  auto column = [&](const std::string& name) {
    return std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin();
  };
  EXPECT_EQ(rows[4][column("ack_median_s")], "210");
  EXPECT_EQ(rows[4][column("ack_p90_s")], "1800");
  EXPECT_EQ(rows[4][column("sla_breaches")], "3");
  EXPECT_EQ(rows[3][column("ack_median_s")], "");  // kaede: never acknowledged
  auto json = nlohmann::json::parse(RenderKpiJson(*all));
  EXPECT_EQ(json["total"]["funnel"]["incidents"], 10);
  EXPECT_EQ(json["tenants"][1]["response_times"]["ack"]["median_s"], 210.0);
  EXPECT_TRUE(json["tenants"][0]["response_times"]["ack"]["median_s"].is_null());
  EXPECT_EQ(json["period"]["from"], "2026-09-30T15:00:00Z");
}

TEST_F(ReportTest, BadRequestsAreRefusedWithTheReason) {
  EXPECT_THAT(builder_->Monthly("nobody", "2026-10"),
              StatusIs(absl::StatusCode::kNotFound, "nobody"));
  EXPECT_THAT(builder_->Monthly(kSakura, "October"),
              StatusIs(absl::StatusCode::kInvalidArgument, "YYYY-MM"));
  EXPECT_THAT(builder_->Monthly(kSakura, "2027-01"),
              StatusIs(absl::StatusCode::kInvalidArgument, "has not begun"));
  KpiQuery query{.from = kStart, .to = kStart};
  EXPECT_THAT(builder_->Kpis(query),
              StatusIs(absl::StatusCode::kInvalidArgument, "must be before"));
  query.to = kStart + absl::Hours(1);
  query.region = "atlantis";
  EXPECT_THAT(builder_->Kpis(query),
              StatusIs(absl::StatusCode::kNotFound, "unknown region 'atlantis'"));
  query.region.clear();
  query.tenant_id = "nobody";
  EXPECT_THAT(builder_->Kpis(query), StatusIs(absl::StatusCode::kNotFound, "nobody"));
}

TEST_F(ReportTest, HtmlIsOnePrintablePageWithTheSummaryFirstAndEverythingEscaped) {
  ASSERT_NO_FATAL_FAILURE(PlayOctober());
  auto report = builder_->Monthly(kSakura, "2026-10");
  ASSERT_THAT(report, IsOk());
  for (Lang lang : {Lang::kJa, Lang::kEn}) {
    std::string html = RenderMonthlyHtml(*report, lang);
    EXPECT_THAT(html, HasSubstr(lang == Lang::kJa ? "<html lang=\"ja\">" : "<html lang=\"en\">"));
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;, "
                                "&quot;Sakura&quot; Bakery"));
    EXPECT_THAT(html, Not(HasSubstr("src=")));  // self-contained
    EXPECT_THAT(html, Not(HasSubstr("href=")));
    EXPECT_THAT(html, HasSubstr("@media print"));
    const size_t summary = html.find("<section class=\"summary\">");
    const size_t detail = html.find(std::string(Text(lang, Msg::kSectionResponse)));
    ASSERT_NE(summary, std::string::npos);
    ASSERT_NE(detail, std::string::npos);
    EXPECT_LT(summary, detail);
    EXPECT_LT(html.find(std::string(Text(lang, Msg::kOwnerSummary))), detail);
  }
  std::string ja = RenderMonthlyHtml(*report, Lang::kJa);
  EXPECT_THAT(
      ja, HasSubstr("今月は 12 件のアラートを受け、9 件のインシデントとしてまとめて対応しました。"
                    "うち 2 件は遠隔で対処し、1 件は訪問して対処しました。"));
  EXPECT_THAT(ja, HasSubstr("対象 7 件のうち 4 件が時間内でした"));
  EXPECT_THAT(ja, HasSubstr("3分30秒"));
  std::string en = RenderMonthlyHtml(*report, Lang::kEn);
  EXPECT_THAT(en, HasSubstr("This month we received 12 alerts and handled them as 9 incidents: 2 "
                            "were dealt with remotely and 1 needed a visit."));
  EXPECT_THAT(en, HasSubstr("3 min 30 s"));
  EXPECT_THAT(en, HasSubstr("¥4,200"));
}

TEST_F(ReportTest, CsvIsRfc4180InBothLanguages) {
  ASSERT_NO_FATAL_FAILURE(PlayOctober());
  auto report = builder_->Monthly(kSakura, "2026-10");
  ASSERT_THAT(report, IsOk());
  std::string ja = RenderMonthlyCsv(*report, Lang::kJa);
  ASSERT_EQ(ja.substr(0, 3), "\xEF\xBB\xBF");
  auto rows = ParseCsv(std::string_view(ja).substr(3));
  ASSERT_GT(rows.size(), 20u);
  for (const auto& row : rows) EXPECT_THAT(row, SizeIs(4));
  EXPECT_EQ(rows[0], (std::vector<std::string>{"区分", "項目", "値", "詳細"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"レポート", "お客様", kSakura, kSakuraName}));
  // The name went out quoted, its quotes doubled.
  EXPECT_THAT(ja, HasSubstr("\"<script>alert(\"\"x\"\")</script>, \"\"Sakura\"\" Bakery\""));
  std::string en = RenderMonthlyCsv(*report, Lang::kEn);
  EXPECT_NE(en.substr(0, 3), "\xEF\xBB\xBF");
  auto en_rows = ParseCsv(en);
  auto find = [&](const std::string& section, const std::string& item) -> std::string {
    for (const auto& row : en_rows) {
      if (row[0] == section && row[1] == item) return row[2];
    }
    return "(missing)";
  };
  EXPECT_EQ(find("summary", "Incidents"), "9");
  EXPECT_EQ(find("summary", "SLA breaches"), "3");
  EXPECT_EQ(find("Alerts by severity", "high"), "6");
  EXPECT_EQ(find("Response times", "Time to acknowledge (Median)"), "210");
  EXPECT_EQ(find("Response times", "Time to acknowledge (90th percentile)"), "1800");
  EXPECT_EQ(find("visit", absl::StrCat("#", visit_)), "closed");
  EXPECT_EQ(find("open visit", absl::StrCat("#", sme_visit_)), "requested");
  for (const auto& row : en_rows) EXPECT_THAT(row, SizeIs(4));
  auto json = nlohmann::json::parse(RenderMonthlyJson(*report));
  EXPECT_EQ(json["tenant"]["name"], kSakuraName);
  EXPECT_EQ(json["funnel"]["on_site"], 1);
  EXPECT_EQ(json["response_times"]["contain"]["p90_s"], 18000.0);
  EXPECT_EQ(json["visits"][0]["cost_yen"], 4200);
}

}  // namespace
}  // namespace otasuke::collector::report
