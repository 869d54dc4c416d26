// The agent-stream protocol checks on their own (the server tests cover them over gRPC).

#include "collector/server/stream_validator.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/status_matchers.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::AlertsMessage;
using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::testing::IsOk;
using ::otasuke::testing::StatusIs;

v1::AgentMessage HelloMessage(const v1::Hello& hello) {
  v1::AgentMessage message;
  *message.mutable_hello() = hello;
  return message;
}

TEST(StreamValidatorTest, FillsAlertIdentityFromTheHello) {
  StreamValidator validator;
  v1::AgentMessage hello = HelloMessage(MakeHello("agent-1", "tenant-a", "pc-01"));
  ASSERT_THAT(validator.Accept(hello), IsOk());
  v1::AgentMessage alerts = AlertsMessage({MakeAlert(1, "r", v1::SEVERITY_LOW, ""), MakeAlert(9)});
  ASSERT_THAT(validator.Accept(alerts), IsOk());
  EXPECT_EQ(alerts.alerts().alerts(0).agent_id(), "agent-1");
  EXPECT_EQ(alerts.alerts().alerts(0).tenant_id(), "tenant-a");
  EXPECT_EQ(alerts.alerts().alerts(0).hostname(), "pc-01");
  // Sequences must keep increasing across batches of the stream.
  v1::AgentMessage stale = AlertsMessage({MakeAlert(9)});
  EXPECT_THAT(validator.Accept(stale),
              StatusIs(absl::StatusCode::kInvalidArgument, "strictly increase"));
}

TEST(StreamValidatorTest, RejectsBadHellosAndBatches) {
  StreamValidator validator(StreamLimits{.max_alerts_per_batch = 2});
  v1::AgentMessage second = HelloMessage(MakeHello("agent-1"));
  ASSERT_THAT(validator.Accept(second), IsOk());
  EXPECT_THAT(validator.Accept(second),
              StatusIs(absl::StatusCode::kFailedPrecondition, "second Hello"));
  v1::AgentMessage too_many = AlertsMessage({MakeAlert(1), MakeAlert(2), MakeAlert(3)});
  EXPECT_THAT(validator.Accept(too_many),
              StatusIs(absl::StatusCode::kInvalidArgument, "3 alerts; the limit is 2"));
  v1::AgentMessage empty_batch;
  empty_batch.mutable_alerts();
  EXPECT_THAT(validator.Accept(empty_batch),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty AlertBatch"));
  v1::Alert zero = MakeAlert(0);
  v1::AgentMessage zero_seq = AlertsMessage({zero});
  EXPECT_THAT(validator.Accept(zero_seq),
              StatusIs(absl::StatusCode::kInvalidArgument, "must start at 1"));
  v1::Alert huge = MakeAlert(1);
  huge.set_raw_evidence(std::string(65 * 1024, 'x'));
  v1::AgentMessage huge_message = AlertsMessage({huge});
  EXPECT_THAT(validator.Accept(huge_message),
              StatusIs(absl::StatusCode::kInvalidArgument, "raw_evidence is 66560 bytes"));
  v1::Alert other_tenant = MakeAlert(1);
  other_tenant.set_tenant_id("tenant-z");
  v1::AgentMessage other = AlertsMessage({other_tenant});
  EXPECT_THAT(validator.Accept(other),
              StatusIs(absl::StatusCode::kPermissionDenied, "differs from the stream's tenant"));
  v1::Alert bad_severity = MakeAlert(1);
  bad_severity.set_severity(static_cast<v1::Severity>(42));
  v1::AgentMessage severity = AlertsMessage({bad_severity});
  EXPECT_THAT(validator.Accept(severity),
              StatusIs(absl::StatusCode::kInvalidArgument, "severity 42"));
  // Out-of-range times would overflow the store's int64 microseconds (signed overflow).
  v1::Alert far_future = MakeAlert(1);
  far_future.mutable_event_time()->set_seconds(int64_t{1} << 62);
  v1::AgentMessage future = AlertsMessage({far_future});
  EXPECT_THAT(validator.Accept(future),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "event_time (4611686018427387904 s, 0 ns) is outside years 1..9999"));
  v1::Alert bad_nanos = MakeAlert(1);
  bad_nanos.mutable_detection_time()->set_nanos(-1);
  v1::AgentMessage nanos = AlertsMessage({bad_nanos});
  EXPECT_THAT(validator.Accept(nanos),
              StatusIs(absl::StatusCode::kInvalidArgument, "detection_time (1700000001 s, -1 ns)"));
  v1::Alert year_9999 = MakeAlert(1);
  year_9999.mutable_event_time()->set_seconds(253402300799);
  year_9999.mutable_event_time()->set_nanos(999999999);
  v1::AgentMessage last_second = AlertsMessage({year_9999});
  EXPECT_THAT(validator.Accept(last_second), IsOk());

  StreamValidator fresh;
  v1::Hello long_id = MakeHello(std::string(200, 'a'));
  v1::AgentMessage long_hello = HelloMessage(long_id);
  EXPECT_THAT(fresh.Accept(long_hello),
              StatusIs(absl::StatusCode::kInvalidArgument, "200 bytes; the limit is 128"));
  v1::Hello no_tenant = MakeHello("agent-1", "");
  v1::AgentMessage no_tenant_hello = HelloMessage(no_tenant);
  EXPECT_THAT(fresh.Accept(no_tenant_hello),
              StatusIs(absl::StatusCode::kInvalidArgument, "Hello.tenant_id is empty"));
  EXPECT_FALSE(fresh.has_hello());
}

// Proto paths ("network.tls.sni") of every string or bytes field of `descriptor`, recursively.
void StringFieldPaths(const google::protobuf::Descriptor* descriptor, const std::string& prefix,
                      std::set<std::string>* out) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    const std::string path = prefix + field->name();
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      StringFieldPaths(field->message_type(), path + ".", out);
    } else if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING ||
               field->type() == google::protobuf::FieldDescriptor::TYPE_BYTES) {
      out->insert(path);
    }
  }
}

// Sets the string at `path` of `alert` through reflection.
void SetStringField(v1::Alert& alert, const std::string& path, const std::string& value) {
  google::protobuf::Message* message = &alert;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const auto* field = message->GetDescriptor()->FindFieldByName(parts[i]);
    message = message->GetReflection()->MutableMessage(message, field);
  }
  const auto* field = message->GetDescriptor()->FindFieldByName(parts.back());
  message->GetReflection()->SetString(message, field, value);
}

TEST(StreamValidatorTest, EveryStringFieldOfAlertIsBounded) {
  std::set<std::string> in_proto;
  StringFieldPaths(v1::Alert::descriptor(), "", &in_proto);
  // Checked apart from the table: identity (ids, UUID), raw evidence, the repeated tags.
  std::set<std::string> covered = {"uuid", "tenant_id", "agent_id", "raw_evidence", "mitre_attack"};
  for (std::string_view name : AlertTextFieldNamesForTest()) covered.emplace(name);
  EXPECT_EQ(in_proto, covered) << "a string field of alert.proto has no byte cap";

  for (std::string_view name : AlertTextFieldNamesForTest()) {
    StreamValidator validator;
    v1::AgentMessage hello = HelloMessage(MakeHello("agent-1"));
    ASSERT_THAT(validator.Accept(hello), IsOk());
    v1::Alert alert = MakeAlert(1);
    SetStringField(alert, std::string(name), std::string(64 * 1024 + 1, 'x'));
    v1::AgentMessage message = AlertsMessage({alert});
    EXPECT_THAT(validator.Accept(message),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         std::string(name) + " is 65537 bytes; the limit is "))
        << name;
  }
  StreamValidator validator;
  v1::AgentMessage hello = HelloMessage(MakeHello("agent-1"));
  ASSERT_THAT(validator.Accept(hello), IsOk());
  v1::Alert tagged = MakeAlert(1);
  tagged.add_mitre_attack(std::string(65, 'T'));
  v1::AgentMessage message = AlertsMessage({tagged});
  EXPECT_THAT(validator.Accept(message),
              StatusIs(absl::StatusCode::kInvalidArgument, "mitre_attack[] is 65 bytes"));
}

TEST(StreamValidatorTest, BoundsHeartbeatDropCounters) {
  StreamValidator validator;
  v1::AgentMessage hello = HelloMessage(MakeHello("agent-1"));
  ASSERT_THAT(validator.Accept(hello), IsOk());
  v1::AgentMessage many;
  for (int i = 0; i < 17; ++i) {
    many.mutable_heartbeat()->add_alerts_dropped()->set_reason(v1::DROP_REASON_QUEUE_FULL);
  }
  EXPECT_THAT(validator.Accept(many),
              StatusIs(absl::StatusCode::kInvalidArgument, "17 drop counters; the limit is 16"));
  v1::AgentMessage unknown;
  unknown.mutable_heartbeat()->add_alerts_dropped()->set_reason(static_cast<v1::DropReason>(99));
  EXPECT_THAT(validator.Accept(unknown),
              StatusIs(absl::StatusCode::kInvalidArgument, "reason 99 is not known"));
}

}  // namespace
}  // namespace otasuke::collector
