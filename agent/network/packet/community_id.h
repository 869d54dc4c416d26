#pragma once
// Community ID flow hashing, version 1 (https://github.com/corelight/community-id-spec):
// "1:" + base64(SHA1(seed, ordered addresses, proto, 0, ordered ports)). Lets EVE alerts be
// joined with Zeek, Elastic and other tools' records of the same flow.

#include <cstdint>
#include <string>

#include "agent/network/packet/packet.h"

namespace otasuke::network {

std::string CommunityId(const IpAddress& src, const IpAddress& dst, uint16_t sport, uint16_t dport,
                        uint8_t proto, uint16_t seed = 0);

// For ICMP / ICMPv6 flows: the spec's (type, code) to port mapping, then CommunityId.
std::string CommunityIdIcmp(const IpAddress& src, const IpAddress& dst, uint8_t type, uint8_t code,
                            uint8_t proto, uint16_t seed = 0);

}  // namespace otasuke::network
