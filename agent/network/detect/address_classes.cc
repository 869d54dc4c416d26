#include "agent/network/detect/address_classes.h"

#include <algorithm>
#include <limits>

namespace otasuke::network::detect {
namespace {

// Whether `set` holds an address inside `region` (`inside`) or outside it.
bool HoldsAddressOn(const IpSet& set, const IpSet& region, bool inside) {
  if (set.any) return true;
  constexpr uint32_t kV4Max = std::numeric_limits<uint32_t>::max();
  const U128 v6_max{~uint64_t{0}, ~uint64_t{0}};
  if (inside) {
    // set ∩ region = set − ¬region.
    return !set.v4.Subtract(region.v4.Complement(0, kV4Max), 0, kV4Max).ranges.empty() ||
           !set.v6.Subtract(region.v6.Complement(U128{}, v6_max), U128{}, v6_max).ranges.empty();
  }
  return !set.v4.Subtract(region.v4, 0, kV4Max).ranges.empty() ||
         !set.v6.Subtract(region.v6, U128{}, v6_max).ranges.empty();
}

}  // namespace

RuleAddressClasses AddressClassesOfRules(const CompiledRules& compiled) {
  constexpr uint8_t kAll = (1u << kAddressClasses) - 1;
  RuleAddressClasses classes(compiled.rules.size(), kAll);
  if (!compiled.address_region) return classes;
  const IpSet& region = *compiled.address_region;
  for (const Rule& rule : compiled.rules) {
    // Bit 1: the set holds an address inside the region, bit 0: one outside.
    auto sides = [&](const IpSet& set) {
      return (HoldsAddressOn(set, region, true) ? 2 : 0) |
             (HoldsAddressOn(set, region, false) ? 1 : 0);
    };
    const int src = sides(rule.src);
    const int dst = sides(rule.dst);
    uint8_t mask = 0;
    for (int address_class = 0; address_class < kAddressClasses; ++address_class) {
      const int src_side = (address_class & 2) ? 2 : 1;
      const int dst_side = (address_class & 1) ? 2 : 1;
      const bool one_way = (src & src_side) && (dst & dst_side);
      const bool other_way = rule.bidirectional && (dst & src_side) && (src & dst_side);
      if (one_way || other_way) mask |= static_cast<uint8_t>(1u << address_class);
    }
    classes[rule.index] = mask;
  }
  return classes;
}

std::optional<IpSet> MostCommonAddressSet(const CompiledRules& compiled) {
  std::vector<std::pair<const IpSet*, size_t>> counts;
  for (const Rule& rule : compiled.rules) {
    if (rule.fast_chain < 0) continue;
    for (const IpSet* side : {&rule.src, &rule.dst}) {
      if (side->any) continue;
      auto same = std::find_if(counts.begin(), counts.end(),
                               [&](const auto& count) { return *count.first == *side; });
      if (same != counts.end()) {
        ++same->second;
      } else {
        counts.emplace_back(side, 1);
      }
    }
  }
  if (counts.empty()) return std::nullopt;
  return *std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
            return a.second < b.second;
          })->first;
}

}  // namespace otasuke::network::detect
