#pragma once
// Scanner tests: write crafted frames to a pcap with pcap_dump, scan it with real rules through
// a NetworkScanner, and collect the alert events (and their EVE JSON).

#include <cstdint>
#include <string>
#include <vector>

#include "agent/network/detect/engine.h"
#include "agent/network/scan/network_scanner.h"
#include "agent/network/scan/pcap_scan.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/network/packet/packet_builder.h"

namespace otasuke::network::testing {

class Collector : public AlertEventHandler {
 public:
  void OnAlertEvent(const AlertEvent& event) override {
    events.push_back(event);
    json.push_back(nlohmann::json::parse(ToEveJson(event)));
  }
  int Count(uint32_t sid) const {
    int n = 0;
    for (const AlertEvent& e : events) n += e.sid == sid;
    return n;
  }
  // The sids alerting on capture packet `pcap_cnt`, in report order.
  std::vector<uint32_t> SidsAt(uint64_t pcap_cnt) const {
    std::vector<uint32_t> sids;
    for (const AlertEvent& e : events) {
      if (e.pcap_cnt == pcap_cnt) sids.push_back(e.sid);
    }
    return sids;
  }
  std::vector<AlertEvent> events;
  std::vector<nlohmann::json> json;
};

// `load` supplies everything but the rule text (ips_mode, action_order, vars).
inline Collector Scan(const std::vector<Bytes>& frames, const std::string& rules,
                      ScannerConfig config = {}, detect::LoadOptions load = {}) {
  const std::string path = TempPath("scan.pcap");
  WritePcap(path, frames);
  load.rule_texts = {{"test.rules", rules}};
  auto loaded = detect::LoadRules(load);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok()) return {};
  EXPECT_EQ(loaded->report.skipped, 0u) << loaded->report.Summary();
  Collector collector;
  NetworkScanner scanner(config, loaded->rules, &collector);
  uint64_t cnt = 0;
  EXPECT_TRUE(ScanPcapFile(path, scanner, &cnt).ok());
  scanner.Finish();
  return collector;
}

}  // namespace otasuke::network::testing
