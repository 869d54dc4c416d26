#pragma once
// FlowDetectState: detection state a flow carries between inspections. Bit ids and rule
// indexes belong to one CompiledRules; when the engine meets state written under another rule
// set (after a reload) it clears it, so a reload forgets flowbits of live flows.

#include <cstdint>
#include <vector>

#include "agent/network/detect/inspection.h"

namespace otasuke::network::detect {

// A pass or drop that applies to the whole flow; the first one set wins.
enum class FlowAction : uint8_t { kNone, kPass, kDrop };

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

  void ResetFor(const void* identity) {
    rules_identity = identity;
    flowbits.clear();
    tx_alerted.clear();
    ip_only_done = 0;
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
