#include "agent/network/scan/dns_query_event.h"

#include "absl/time/time.h"

namespace otasuke::network {

bool DnsQueryToEvent(const Flow& flow, const DnsMessage& message, int64_t time_usec,
                     agent::Event* event, std::string* scratch) {
  // Queries, not answers: a query for a bad domain matters even when no answer comes (a
  // sinkhole, a blocked resolver), and one event per lookup is what Sysmon gives.
  if (message.response || message.questions.empty()) return false;
  using agent::FieldId;
  event->Clear();
  event->set_time(absl::FromUnixMicros(time_usec));
  agent::LogSource& source = event->source();
  source.product = "linux";
  source.category = "dns_query";
  source.service.clear();
  event->Set(FieldId::kQueryName, message.questions[0].name);
  *scratch = flow.client.ToString();
  event->Set(FieldId::kSourceIp, *scratch);
  *scratch = std::to_string(flow.client_port);
  event->Set(FieldId::kSourcePort, *scratch);
  *scratch = flow.server.ToString();
  event->Set(FieldId::kDestinationIp, *scratch);
  *scratch = std::to_string(flow.server_port);
  event->Set(FieldId::kDestinationPort, *scratch);
  event->Set(FieldId::kProtocol, flow.proto == 6 ? "tcp" : "udp");
  event->Set(FieldId::kCommunityId, flow.community_id());
  return true;
}

}  // namespace otasuke::network
