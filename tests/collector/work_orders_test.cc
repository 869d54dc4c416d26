// On-site work orders on a real SQLite database (migrated by the real store), with a ManualClock
// stamping each step: the full lifecycle with actions, evidence and costs, the tenant's address
// copied at opening, and every bad request refused with a clear reason and nothing stored.

#include <future>

#include "collector/incident/rule_window_grouper.h"
#include "collector/store/sqlite_store.h"
#include "collector/tenancy/sqlite_tenant_directory.h"
#include "collector/workorder/sqlite_work_orders.h"
#include "collector/workorder/work_order_states.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/sql_rows.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::QueryRows;
using ::otasuke::collector::testing::SqlRows;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;
using ::testing::HasSubstr;

class WorkOrdersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStore::Options options;
    options.path = path_;
    auto store = SqliteStore::Open(std::move(options), clock_, grouper_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    std::promise<absl::StatusOr<AgentState>> hello;
    store_->UpsertAgent(MakeHello("agent-1", "sme-a", "reception-pc"),
                        [&](auto s) { hello.set_value(s); });
    ASSERT_THAT(hello.get_future().get(), IsOk());
    v1::Alert alert = MakeAlert(1, "rule-1", v1::SEVERITY_HIGH, "reception-pc");
    alert.set_agent_id("agent-1");
    alert.set_tenant_id("sme-a");
    std::promise<absl::StatusOr<IngestResult>> ingest;
    store_->IngestAlerts("agent-1", {alert}, [&](auto r) { ingest.set_value(r); });
    ASSERT_THAT(ingest.get_future().get(), IsOk());

    auto directory = tenancy::SqliteTenantDirectory::Open(path_, clock_);
    ASSERT_THAT(directory, IsOk());
    tenancy::Tenant tenant{
        .id = "sme-a", .name = "山田商店", .region = "ward-3", .owner = {.phone = "03-0000-0000"}};
    tenant.address = "東京都千代田区1-2-3 山田ビル2F";
    tenant.access_notes = "裏口のインターホン、鍵は店長";
    ASSERT_THAT((*directory)->UpsertTenant(tenant, "admin"), IsOk());
    ASSERT_THAT(
        (*directory)
            ->UpsertTenant(
                {.id = "sme-b", .name = "B", .region = "ward-3", .owner = {.phone = "1"}}, "admin"),
        IsOk());

    auto orders = SqliteWorkOrders::Open(path_, clock_);
    ASSERT_THAT(orders, IsOk());
    orders_ = std::move(*orders);
  }

  v1::OpenWorkOrderRequest OpenRequest() {
    v1::OpenWorkOrderRequest request;
    request.set_tenant_id("sme-a");
    request.set_incident_id(1);
    request.set_origin(v1::WORK_ORDER_ORIGIN_POLICY);
    request.set_reason("remote isolation failed");
    request.set_actor("tanaka");
    return request;
  }

  absl::StatusOr<v1::WorkOrder> Step(int64_t id, v1::WorkOrderState to, std::string action = "",
                                     int64_t cost = 0) {
    v1::AdvanceWorkOrderRequest request;
    request.set_id(id);
    request.set_to_state(to);
    request.set_actor("tanaka");
    request.set_action(action);
    request.set_cost_yen(cost);
    clock_.Advance(absl::Minutes(10));
    return orders_->Advance(request);
  }

  otasuke::testing::TempDir dir_;
  std::string path_ = dir_.file("collector.db");
  ManualClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  RuleWindowGrouper grouper_{absl::Hours(1)};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<SqliteWorkOrders> orders_;
};

TEST_F(WorkOrdersTest, RunsTheWholeLifecycleWithTimesActorsActionsAndCosts) {
  auto opened = orders_->Open(OpenRequest());
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(opened->state(), v1::WORK_ORDER_STATE_REQUESTED);
  EXPECT_EQ(opened->site_address(), "東京都千代田区1-2-3 山田ビル2F");
  EXPECT_EQ(opened->access_notes(), "裏口のインターホン、鍵は店長");
  EXPECT_EQ(opened->opened_at().seconds(), 1'800'000'000);
  int64_t id = opened->id();
  ASSERT_THAT(Step(id, v1::WORK_ORDER_STATE_ACCEPTED), IsOk());
  ASSERT_THAT(Step(id, v1::WORK_ORDER_STATE_DEPARTED, "taxi", 2400), IsOk());
  ASSERT_THAT(Step(id, v1::WORK_ORDER_STATE_ARRIVED), IsOk());
  v1::AdvanceWorkOrderRequest note;
  note.set_id(id);
  note.set_actor("tanaka");
  note.set_evidence("photo of the ransom note; disk image taken");
  ASSERT_THAT(orders_->Advance(note), IsOk());
  ASSERT_THAT(Step(id, v1::WORK_ORDER_STATE_CONTAINED, "unplugged the PC from the LAN", 0), IsOk());
  auto closed = Step(id, v1::WORK_ORDER_STATE_CLOSED, "handed over to the owner", 15000);
  ASSERT_THAT(closed, IsOk());
  EXPECT_EQ(closed->state(), v1::WORK_ORDER_STATE_CLOSED);
  EXPECT_EQ(closed->total_cost_yen(), 17400);
  ASSERT_EQ(closed->events_size(), 7);
  EXPECT_EQ(closed->events(0).to_state(), v1::WORK_ORDER_STATE_REQUESTED);
  EXPECT_EQ(closed->events(4).evidence(), "photo of the ransom note; disk image taken");
  EXPECT_EQ(closed->events(4).from_state(), closed->events(4).to_state());
  EXPECT_EQ(closed->events(6).at().seconds(), 1'800'000'000 + 50 * 60);
  EXPECT_EQ(closed->events(6).actor(), "tanaka");
  EXPECT_EQ(
      QueryRows(path_, "SELECT from_state, to_state, cost_yen FROM work_order_events ORDER BY id",
                3),
      (SqlRows{{"", "requested", "0"},
               {"requested", "accepted", "0"},
               {"accepted", "departed", "2400"},
               {"departed", "arrived", "0"},
               {"arrived", "arrived", "0"},
               {"arrived", "contained", "0"},
               {"contained", "closed", "15000"}}));
  EXPECT_EQ(QueryRows(path_, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'workorder.%'", 1),
            (SqlRows{{"7"}}));
}

TEST_F(WorkOrdersTest, IllegalTransitionsAreRefusedWithTheAllowedStates) {
  auto opened = orders_->Open(OpenRequest());
  ASSERT_THAT(opened, IsOk());
  int64_t id = opened->id();
  EXPECT_THAT(Step(id, v1::WORK_ORDER_STATE_ARRIVED).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "is 'requested': it can go to accepted or closed, not to 'arrived'"));
  EXPECT_THAT(Step(id, v1::WORK_ORDER_STATE_REQUESTED).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "not to 'requested'"));
  // An early close needs a reason.
  EXPECT_THAT(Step(id, v1::WORK_ORDER_STATE_CLOSED).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "closes before containment"));
  ASSERT_THAT(Step(id, v1::WORK_ORDER_STATE_CLOSED, "contained remotely after all"), IsOk());
  EXPECT_THAT(Step(id, v1::WORK_ORDER_STATE_ACCEPTED).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is closed"));
  // Nothing of the refused steps was stored.
  EXPECT_EQ(QueryRows(path_, "SELECT COUNT(*) FROM work_order_events", 1), (SqlRows{{"2"}}));
}

TEST_F(WorkOrdersTest, BadRequestsAreRefusedAndStoreNothing) {
  auto request = OpenRequest();
  request.set_tenant_id("nobody");
  EXPECT_THAT(orders_->Open(request).status(),
              StatusIs(absl::StatusCode::kNotFound, "unknown tenant 'nobody'"));
  request = OpenRequest();
  request.set_incident_id(99);
  EXPECT_THAT(orders_->Open(request).status(),
              StatusIs(absl::StatusCode::kNotFound, "tenant 'sme-a' has no incident 99"));
  request = OpenRequest();
  request.set_tenant_id("sme-b");
  request.set_site_address("somewhere");
  EXPECT_THAT(orders_->Open(request).status(),
              StatusIs(absl::StatusCode::kNotFound, "tenant 'sme-b' has no incident 1"));
  request.set_incident_id(0);
  request.clear_site_address();
  EXPECT_THAT(orders_->Open(request).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "has no address on file"));
  request = OpenRequest();
  request.clear_origin();
  EXPECT_THAT(orders_->Open(request).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "origin"));
  request = OpenRequest();
  request.clear_actor();
  EXPECT_THAT(orders_->Open(request).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "actor"));
  EXPECT_EQ(QueryRows(path_, "SELECT COUNT(*) FROM work_orders", 1), (SqlRows{{"0"}}));

  auto opened = orders_->Open(OpenRequest());
  ASSERT_THAT(opened, IsOk());
  EXPECT_THAT(Step(opened->id(), v1::WORK_ORDER_STATE_ACCEPTED, "", -5).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "cost: -5 yen"));
  EXPECT_THAT(Step(404, v1::WORK_ORDER_STATE_ACCEPTED).status(),
              StatusIs(absl::StatusCode::kNotFound, "unknown work order 404"));
  v1::AdvanceWorkOrderRequest empty_note;
  empty_note.set_id(opened->id());
  empty_note.set_actor("tanaka");
  EXPECT_THAT(orders_->Advance(empty_note).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "nothing to record"));
}

TEST_F(WorkOrdersTest, ListsNewestFirstByTenantAndOpenOnly) {
  auto first = orders_->Open(OpenRequest());
  auto request = OpenRequest();
  request.set_origin(v1::WORK_ORDER_ORIGIN_SME_REQUEST);
  request.set_incident_id(0);
  auto second = orders_->Open(request);
  ASSERT_THAT(second, IsOk());
  ASSERT_THAT(Step(first->id(), v1::WORK_ORDER_STATE_CLOSED, "not needed"), IsOk());
  auto all = orders_->List({.tenant_id = "sme-a"});
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id(), second->id());
  auto open = orders_->List({.open_only = true});
  ASSERT_THAT(open, IsOk());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].origin(), v1::WORK_ORDER_ORIGIN_SME_REQUEST);
  EXPECT_THAT(*orders_->List({.tenant_id = "sme-b"}), ::testing::IsEmpty());
}

TEST(WorkOrderStatesTest, NamesRoundTripAndUnknownNamesAreListed) {
  for (auto state : {v1::WORK_ORDER_STATE_REQUESTED, v1::WORK_ORDER_STATE_CONTAINED,
                     v1::WORK_ORDER_STATE_CLOSED}) {
    auto parsed = ParseWorkOrderState(WorkOrderStateName(state));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, state);
  }
  EXPECT_THAT(ParseWorkOrderState("done").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown work-order state 'done' (states: requested, accepted"));
  EXPECT_THAT(ParseWorkOrderOrigin("customer").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "(origins: responder, policy, "
                       "sme_request)"));
}

}  // namespace
}  // namespace otasuke::collector
