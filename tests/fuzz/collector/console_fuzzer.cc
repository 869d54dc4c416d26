// libFuzzer target: the console requests otasukectl sends, on the collector's side. Input: a
// selector byte, then one request message. PushRuleSetRequest goes through ValidateRuleSet and,
// when valid, into the real SqliteStore, and must read back unchanged as the tenant's latest
// rule set; the list requests become store queries, which must succeed for any request.

#include <cstddef>
#include <cstdint>

#include "collector/server/console_service.h"
#include "tests/fuzz/collector/fuzz_store.h"
#include "tests/fuzz/protobuf_input.h"

namespace {

using otasuke::collector::AwaitWrite;
using otasuke::collector::Store;
namespace v1 = otasuke::v1;

template <typename Request>
bool Parse(const uint8_t* data, size_t size, Request* request) {
  return request->ParseFromArray(data, static_cast<int>(size));
}

void PushRuleSet(Store& store, const v1::PushRuleSetRequest& request) {
  if (!otasuke::collector::ValidateRuleSet(request.ruleset()).ok()) return;
  absl::Status stored = AwaitWrite([&](Store::Done done) {
    store.StoreRuleSet(request.ruleset(), request.tenant_id(), "fuzz", done);
  });
  if (!stored.ok()) return;  // e.g. the version was pushed before: a clear error, fine
  auto latest = store.LatestRuleSet(request.tenant_id());
  if (!latest.ok() || !latest->has_value() ||
      (*latest)->SerializeAsString() != request.ruleset().SerializeAsString()) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  otasuke::fuzz::SilenceProtobufLogs();
  Store& store = otasuke::fuzz::FuzzStore();
  const uint8_t which = data[0] % 4;
  ++data;
  --size;
  switch (which) {
    case 0: {
      v1::PushRuleSetRequest request;
      if (Parse(data, size, &request)) PushRuleSet(store, request);
      break;
    }
    case 1: {
      v1::ListAlertsRequest request;
      if (!Parse(data, size, &request)) break;
      auto alerts = store.ListAlerts({.tenant_id = request.tenant_id(),
                                      .agent_id = request.agent_id(),
                                      .limit = static_cast<int>(request.limit() % 1000)});
      if (!alerts.ok()) __builtin_trap();
      break;
    }
    case 2: {
      v1::ListIncidentsRequest request;
      if (!Parse(data, size, &request)) break;
      otasuke::collector::IncidentQuery query{.tenant_id = request.tenant_id(),
                                              .state = request.state(),
                                              .min_severity = request.min_severity(),
                                              .limit = static_cast<int>(request.limit() % 1000)};
      if (!store.ListIncidents(query).ok()) {
        __builtin_trap();
      }
      break;
    }
    default: {
      v1::ListAgentsRequest request;
      if (Parse(data, size, &request) && !store.ListAgents(request.tenant_id()).ok()) {
        __builtin_trap();
      }
      break;
    }
  }
  return 0;
}
