#pragma once
// Offline scanning of capture files: every packet of a pcap / pcapng file through a
// NetworkScanner, numbered as Suricata's pcap_cnt.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "agent/network/scan/network_scanner.h"

namespace otasuke::network {

// Feeds the file's packets; *pcap_cnt carries the running packet number across files.
// Fails on an unreadable file or an unsupported link type, naming the file.
absl::Status ScanPcapFile(const std::string& path, NetworkScanner& scanner, uint64_t* pcap_cnt);

}  // namespace otasuke::network
