#pragma once
// Address classes of rule headers (see CompiledRules::AddressClass): which rules' addresses can
// meet an inspection whose source and destination lie inside or outside the address region.
// Load time only: the loader builds a payload database's subset per class from these.

#include <cstdint>
#include <optional>
#include <vector>

#include "agent/network/detect/compiled_rules.h"

namespace otasuke::network::detect {

// The address set that rule headers with a prefilter pattern name most often (the first of
// equals in rule order), or none when all are `any`: CompiledRules::address_region.
std::optional<IpSet> MostCommonAddressSet(const CompiledRules& compiled);

// Per rule (by index), bit c set when its addresses can meet an inspection of address class c;
// all bits without a region. A superset is enough: the header test itself runs on every
// candidate.
using RuleAddressClasses = std::vector<uint8_t>;
RuleAddressClasses AddressClassesOfRules(const CompiledRules& compiled);

}  // namespace otasuke::network::detect
