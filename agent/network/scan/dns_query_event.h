#pragma once
// A DNS query seen on the wire as a host event (Sysmon event 22 / Sigma category dns_query),
// so behaviour rules on domains run on a router or PC that captures traffic. The capture
// does not know the process: Image is absent; SourceIp is the asking host.

#include <string>

#include "agent/event/event.h"
#include "agent/network/packet/dns.h"
#include "agent/network/packet/flow.h"

namespace otasuke::network {

// Fills `event` from a query message (not a response). Returns false, leaving `event`
// untouched, for responses and for queries without a question.
bool DnsQueryToEvent(const Flow& flow, const DnsMessage& message, int64_t time_usec,
                     agent::Event* event, std::string* scratch);

}  // namespace otasuke::network
