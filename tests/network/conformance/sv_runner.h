#pragma once
// A suricata-verify runner: reads a test directory's pcap, rules and vars (as named by the
// shared INDEX.tsv), produces EVE alert events with the real engine, and applies the
// test.yaml checks that concern alerts with suricata-verify's matching rules (dotted keys,
// [n] indexes, __gt / __lt / __contains / ... suffixes, has-key / not-has-key).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace otasuke::network::conformance {

struct IndexEntry {
  std::string test;   // "bug-2158" or "dns/bug-990"
  std::string pcap;   // relative to the suricata-verify root
  std::string rules;  // relative to the root
  bool has_suricata_yaml = false;
  std::string args;
};

// Parses INDEX.tsv (header line, tab-separated, columns by name).
absl::StatusOr<std::vector<IndexEntry>> ReadIndex(const std::string& path);

enum class Outcome { kPass, kFail, kSkip };

struct TestResult {
  std::string test;
  Outcome outcome = Outcome::kSkip;
  std::string reason;  // why skipped / which check failed
  size_t alerts = 0;
  std::vector<std::string> eve;  // EVE lines produced (for failure reports)
};

// Whether an EVE event matches a check's `match` mapping (suricata-verify semantics).
bool EventMatches(const nlohmann::json& event, const nlohmann::json& match);

// Runs one test. `root` is the suricata-verify directory.
TestResult RunTest(const std::string& root, const IndexEntry& entry);

}  // namespace otasuke::network::conformance
