// libFuzzer target: work-order requests (WorkOrderService) on the collector's real SQLite
// database. Input: a selector byte, then one request: Open, Advance (a transition or a note),
// Get or List. Orders opened by earlier inputs stay, so later inputs advance them. A request
// that succeeds must read back: the order Get returns has the state the call returned.

#include <cstddef>
#include <cstdint>

#include "collector/workorder/sqlite_work_orders.h"
#include "tests/fuzz/collector/fuzz_store.h"
#include "tests/fuzz/protobuf_input.h"

namespace {

using otasuke::collector::SqliteWorkOrders;
namespace v1 = otasuke::v1;

SqliteWorkOrders& WorkOrders() {
  static SqliteWorkOrders* const orders = [] {
    otasuke::collector::SqliteStore& store = otasuke::fuzz::FuzzStore();  // migrates the schema
    v1::Hello hello;  // a known tenant, so Open can succeed
    hello.set_agent_id("pc-01");
    hello.set_tenant_id("sato-kogyo");
    absl::Status upserted = otasuke::collector::AwaitWrite(
        [&](auto done) { store.UpsertAgent(hello, [done](auto state) { done(state.status()); }); });
    if (!upserted.ok()) std::abort();
    auto opened = SqliteWorkOrders::Open(otasuke::fuzz::FuzzStoreDir() + "/collector.db",
                                         otasuke::RealClock::Get());
    if (!opened.ok()) std::abort();
    return opened->release();  // lives as long as the process
  }();
  return *orders;
}

void MustReadBack(const absl::StatusOr<v1::WorkOrder>& result) {
  if (!result.ok()) return;
  auto again = WorkOrders().Get(result->id());
  if (!again.ok() || again->state() != result->state()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  otasuke::fuzz::SilenceProtobufLogs();
  SqliteWorkOrders& orders = WorkOrders();
  const uint8_t which = data[0] % 4;
  const int n = static_cast<int>(size - 1);
  ++data;
  switch (which) {
    case 0: {
      v1::OpenWorkOrderRequest request;
      if (request.ParseFromArray(data, n)) MustReadBack(orders.Open(request));
      break;
    }
    case 1: {
      v1::AdvanceWorkOrderRequest request;
      if (request.ParseFromArray(data, n)) MustReadBack(orders.Advance(request));
      break;
    }
    case 2: {
      v1::GetWorkOrderRequest request;
      if (request.ParseFromArray(data, n)) (void)orders.Get(request.id());
      break;
    }
    default: {
      v1::ListWorkOrdersRequest request;
      if (!request.ParseFromArray(data, n)) break;
      auto listed = orders.List({.tenant_id = request.tenant_id(),
                                 .open_only = request.open_only(),
                                 .limit = static_cast<int>(request.limit() % 1000)});
      if (!listed.ok()) __builtin_trap();
      break;
    }
  }
  return 0;
}
