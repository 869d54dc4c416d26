// libFuzzer target: what the collector does with AgentMessage bytes from an agent — parse,
// validate against the stream protocol, then render the accepted alerts as the notifier and
// grouper would. Two readings of each input: one message after a valid Hello, and a stream of
// varint-length-delimited messages (so a Hello and alerts in any order reach the validator).

#include <cstddef>
#include <cstdint>

#include "collector/incident/grouper_chain.h"
#include "collector/notify/payload.h"
#include "collector/server/stream_validator.h"
#include "tests/fuzz/protobuf_input.h"

namespace {

using otasuke::collector::GrouperChain;
using otasuke::collector::NotificationJob;
using otasuke::collector::StreamValidator;

void Use(const otasuke::v1::AgentMessage& message) {
  if (!message.has_alerts()) return;
  // The collector's default grouping: every entity's keys and dedup keys of whatever the agent
  // put in its evidence.
  static const GrouperChain* const grouper =
      GrouperChain::Create(otasuke::collector::kDefaultGroupBy, absl::Hours(1))->release();
  std::vector<std::string> keys;
  for (const otasuke::v1::Alert& alert : message.alerts().alerts()) {
    keys.clear();
    grouper->GroupKeys(alert, &keys);
    if (keys.empty()) __builtin_trap();
    NotificationJob job;
    job.alert = alert;
    job.incident.set_hostname(alert.hostname());
    job.incident.set_title(alert.title());
    for (const std::string& key : keys) {
      job.incident.set_dedup_key(grouper->DedupKey(key, absl::UnixEpoch()));
      if (job.incident.dedup_key().size() > 255) __builtin_trap();
    }
    (void)otasuke::collector::IncidentPayloadJson(job);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otasuke::fuzz::SilenceProtobufLogs();
  {
    StreamValidator validator;
    otasuke::v1::AgentMessage hello;
    hello.mutable_hello()->set_agent_id("fuzz-agent");
    hello.mutable_hello()->set_tenant_id("fuzz-tenant");
    if (!validator.Accept(hello).ok()) __builtin_trap();
    otasuke::v1::AgentMessage message;
    if (message.ParseFromArray(data, static_cast<int>(size)) && validator.Accept(message).ok()) {
      Use(message);
    }
  }
  StreamValidator validator;
  otasuke::fuzz::ForEachDelimitedMessage<otasuke::v1::AgentMessage>(
      data, size, 16, [&](otasuke::v1::AgentMessage& message) {
        if (!validator.Accept(message).ok()) return false;
        Use(message);
        return true;
      });
  return 0;
}
