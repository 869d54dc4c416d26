#pragma once
// FlowDetectState: detection state a flow carries between inspections. Bit ids and rule
// indexes belong to one CompiledRules; when the engine meets state written under another rule
// set (after a reload) it clears it, so a reload forgets flowbits of live flows.

#include <array>
#include <cstdint>
#include <vector>

#include "agent/network/detect/inspection.h"

namespace otasuke::network::detect {

// A pass or drop that applies to the whole flow; the first one set wins.
enum class FlowAction : uint8_t { kNone, kPass, kDrop };

// The patternless candidates (address index, port index, rules always checked) of one rule
// group for one direction of the flow. They depend only on the group and on the addresses and
// ports, which a flow direction keeps, so they are looked up once instead of on every packet.
struct PatternlessCandidates {
  const void* group = nullptr;  // the RuleGroup they came from; null: not looked up yet
  IpAddress src;
  IpAddress dst;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  std::vector<uint32_t> rules;  // sorted, unique

  bool Holds(const void* for_group, const Inspection& in) const {
    return group == for_group && src_port == in.src_port && dst_port == in.dst_port &&
           src.family == in.src.family && dst.family == in.dst.family &&
           src.bytes == in.src.bytes && dst.bytes == in.dst.bytes;
  }
};

struct FlowDetectState {
  const void* rules_identity = nullptr;
  std::vector<uint64_t> flowbits;  // bitset over the rule set's flowbit ids, grown on set
  // (rule index, transaction) pairs that already alerted: app-layer rules alert once per tx.
  std::vector<std::pair<uint32_t, uint64_t>> tx_alerted;
  // Survives a rule reload, as the verdict on the flow does in Suricata.
  FlowAction action = FlowAction::kNone;
  // IP-only rules were inspected for the first packet of this direction (bit 0 to server,
  // bit 1 to client).
  uint8_t ip_only_done = 0;
  // Per direction (to server, to client): the protocol group's and the app-layer group's.
  std::array<std::array<PatternlessCandidates, 2>, 2> patternless;

  void ResetFor(const void* identity) {
    rules_identity = identity;
    flowbits.clear();
    tx_alerted.clear();
    ip_only_done = 0;
    for (auto& direction : patternless) {
      for (PatternlessCandidates& candidates : direction) candidates.group = nullptr;
    }
  }
  bool IsSet(uint32_t bit) const {
    const size_t word = bit / 64;
    return word < flowbits.size() && ((flowbits[word] >> (bit % 64)) & 1u);
  }
  void Set(uint32_t bit) {
    const size_t word = bit / 64;
    if (word >= flowbits.size()) flowbits.resize(word + 1, 0);
    flowbits[word] |= uint64_t{1} << (bit % 64);
  }
  void Unset(uint32_t bit) {
    const size_t word = bit / 64;
    if (word < flowbits.size()) flowbits[word] &= ~(uint64_t{1} << (bit % 64));
  }
};

}  // namespace otasuke::network::detect
