#pragma once
// The inside of CompiledRules: rules in inspection order and the rule groups with their
// prefilter databases. Built once by LoadRules, then only read.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "agent/network/detect/engine.h"
#include "agent/network/detect/prefilter.h"
#include "agent/network/detect/rule.h"

namespace otasuke::network::detect {

// One multi-pattern database and, per pattern, the rules it makes candidates (CSR layout).
struct PrefilterDatabase {
  std::unique_ptr<MultiPatternMatcher> matcher;
  std::vector<uint32_t> rule_begin;  // pattern i's rules: rules[rule_begin[i] .. rule_begin[i+1])
  std::vector<uint32_t> rules;
};

// Rules that can apply to one (protocol class or app protocol, direction).
struct RuleGroup {
  std::array<std::unique_ptr<PrefilterDatabase>, kBufferCount> databases;
  std::vector<uint32_t> always;  // rules without a prefilter pattern
  size_t rule_count = 0;
};

// Group keys: protocol classes first, then app protocols; times two directions.
enum GroupClass : uint8_t {
  kGroupTcp,
  kGroupUdp,
  kGroupIcmp4,
  kGroupIcmp6,
  kGroupOther,
  kGroupHttp,
  kGroupDns,
  kGroupTls,
  kGroupClassCount,
};
inline size_t GroupIndex(GroupClass group, Direction direction) {
  return static_cast<size_t>(group) * 2 + (direction == Direction::kToClient ? 1 : 0);
}

class CompiledRules {
 public:
  std::vector<Rule> rules;  // sorted in inspection order; Rule::index is the position
  std::array<RuleGroup, kGroupClassCount * 2> groups;
  size_t flowbit_count = 0;
  uint32_t max_pcre_captures = 0;
  PrefilterKind prefilter = PrefilterKind::kAhoCorasick;
  bool ips_mode = false;
};

}  // namespace otasuke::network::detect
