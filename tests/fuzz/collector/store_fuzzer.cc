// libFuzzer target: an agent's stream as the collector handles it, down to SQLite. Input: up to
// 16 varint-length-delimited AgentMessages; each goes through the StreamValidator and, when
// accepted, into the real SqliteStore (agent upsert, alert ingestion and incident grouping,
// heartbeat, rule-set status). Whatever was stored must read back: alerts, incidents, agents
// and due notifications.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "collector/server/stream_validator.h"
#include "tests/fuzz/collector/fuzz_store.h"
#include "tests/fuzz/protobuf_input.h"

namespace {

using otasuke::collector::AwaitWrite;
using otasuke::collector::Store;
using otasuke::collector::StreamValidator;
namespace v1 = otasuke::v1;

absl::Status Store1(Store& store, const v1::AgentMessage& message, const v1::Hello& hello) {
  const std::string& agent = hello.agent_id();
  switch (message.msg_case()) {
    case v1::AgentMessage::kHello:
      return AwaitWrite([&](Store::Done done) {
        store.UpsertAgent(message.hello(), [done](auto state) { done(state.status()); });
      });
    case v1::AgentMessage::kAlerts:
      return AwaitWrite([&](Store::Done done) {
        std::vector<v1::Alert> alerts(message.alerts().alerts().begin(),
                                      message.alerts().alerts().end());
        store.IngestAlerts(agent, std::move(alerts),
                           [done](auto result) { done(result.status()); });
      });
    case v1::AgentMessage::kHeartbeat:
      return AwaitWrite(
          [&](Store::Done done) { store.RecordHeartbeat(agent, message.heartbeat(), done); });
    case v1::AgentMessage::kRulesetStatus:
      return AwaitWrite([&](Store::Done done) {
        store.RecordRuleSetStatus(agent, message.ruleset_status(), done);
      });
    default:
      return absl::OkStatus();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Store& store = otasuke::fuzz::FuzzStore();
  StreamValidator validator;
  v1::Hello hello;
  otasuke::fuzz::ForEachDelimitedMessage<v1::AgentMessage>(
      data, size, 16, [&](v1::AgentMessage& message) {
        if (!validator.Accept(message).ok()) return false;
        if (message.has_hello()) hello = message.hello();
        // A validated message must store: a write error here is a collector bug.
        if (!Store1(store, message, hello).ok()) __builtin_trap();
        return true;
      });
  if (hello.agent_id().empty()) return 0;
  auto alerts = store.ListAlerts({.agent_id = hello.agent_id(), .limit = 20});
  auto incidents = store.ListIncidents({.tenant_id = hello.tenant_id(), .limit = 20});
  auto agents = store.ListAgents(hello.tenant_id());
  auto due = store.DueNotifications(absl::InfiniteFuture(), 20);
  if (!alerts.ok() || !incidents.ok() || !agents.ok() || !due.ok()) __builtin_trap();
  return 0;
}
