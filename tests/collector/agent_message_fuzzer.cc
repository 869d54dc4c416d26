// libFuzzer target: what the collector does with AgentMessage bytes from an agent — parse,
// validate against the stream protocol, then render the accepted alerts as the notifier and
// grouper would. Two readings of each input: one message after a valid Hello, and a stream of
// varint-length-delimited messages (so a Hello and alerts in any order reach the validator).

#include <cstddef>
#include <cstdint>

#include "collector/incident/rule_window_grouper.h"
#include "collector/notify/payload.h"
#include "collector/server/stream_validator.h"
#include "tests/fuzz/protobuf_input.h"

namespace {

using otasuke::collector::NotificationJob;
using otasuke::collector::RuleWindowGrouper;
using otasuke::collector::StreamValidator;

void Use(const otasuke::v1::AgentMessage& message) {
  if (!message.has_alerts()) return;
  static const RuleWindowGrouper grouper(absl::Hours(1));
  for (const otasuke::v1::Alert& alert : message.alerts().alerts()) {
    NotificationJob job;
    job.alert = alert;
    job.incident.set_hostname(alert.hostname());
    job.incident.set_title(alert.title());
    job.incident.set_dedup_key(grouper.DedupKey(alert, absl::UnixEpoch()));
    if (job.incident.dedup_key().size() > 255) __builtin_trap();
    (void)grouper.GroupKey(alert);
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
