#pragma once
// Application protocol detection by content: the first bytes of a flow say whether it
// speaks HTTP, TLS or DNS, whatever the ports. DNS over UDP is recognised by port 53 plus a
// well-formed message, since a DNS header has no signature of its own.

#include <cstdint>

#include "agent/network/detect/inspection.h"

namespace otasuke::network {

enum class ProbeResult : uint8_t { kNeedMore, kMatch, kNoMatch };

// Probes the first bytes of one direction of a TCP stream.
ProbeResult ProbeHttp(int direction, const uint8_t* data, uint32_t len);
ProbeResult ProbeTls(int direction, const uint8_t* data, uint32_t len);
ProbeResult ProbeDnsTcp(int direction, const uint8_t* data, uint32_t len, uint16_t sport,
                        uint16_t dport);

// Runs the probes in order; kMatch sets *proto.
ProbeResult DetectTcpProtocol(int direction, const uint8_t* data, uint32_t len, uint16_t sport,
                              uint16_t dport, detect::AppProto* proto);
// UDP: one datagram.
detect::AppProto DetectUdpProtocol(const uint8_t* data, uint32_t len, uint16_t sport,
                                   uint16_t dport);

}  // namespace otasuke::network
