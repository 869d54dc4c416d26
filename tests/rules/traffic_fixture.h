#pragma once
// Fixture pcaps for the rule pack, generated from a case's traffic.json so that no binary
// capture is committed: every frame is crafted with tests/network/packet/packet_builder and
// written with libpcap's pcap_dump. Items of "packets" (each an object with one key):
//   {"syn_fanout": {"src", "dst_prefix", "first", "count", "dport", "answered"?}}
//       a TCP SYN to dst_prefix+first .. dst_prefix+(first+count-1), each from a new port;
//       with "answered" each server replies SYN-ACK;
//   {"tcp_session": {"src", "dst", "sport", "dport", "client", "server"}}
//       handshake, one client and one server payload, FINs;
//   {"udp": {"src", "dst", "sport", "dport", "payload"}};
//   {"dns_query": {"src", "dst", "id", "name"}}  a DNS A query over UDP port 53.

#include <string>

#include "absl/status/status.h"

namespace otasuke::rules_test {

// Reads traffic.json at `spec_path` and writes the capture to `pcap_path`. Errors name the
// file and the item.
absl::Status WriteTrafficPcap(const std::string& spec_path, const std::string& pcap_path);

}  // namespace otasuke::rules_test
