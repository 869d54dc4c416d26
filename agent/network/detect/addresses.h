#pragma once
// Address and port sets of a rule header: `[10.0.0.0/8,!10.1.0.0/16]`, `$HOME_NET`, `any`,
// `[80,8000:8080,!8081]`. Each set is compiled to sorted disjoint intervals (negation becomes
// set complement), so matching a packet is a binary search and never walks the expression.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "agent/network/detect/inspection.h"

namespace otasuke::network::detect {

// A 128-bit key; IPv4 addresses live in their own set, so both families share this type.
struct U128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend bool operator<(const U128& a, const U128& b) {
    return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
  }
  friend bool operator==(const U128& a, const U128& b) = default;
  friend bool operator<=(const U128& a, const U128& b) { return !(b < a); }
};

// Closed intervals [first, last], sorted and disjoint.
template <typename T>
struct IntervalSet {
  std::vector<std::pair<T, T>> ranges;
  bool Contains(const T& value) const;
  void Normalize();                                          // sort + merge
  IntervalSet Complement(const T& min, const T& max) const;  // within [min, max]
  IntervalSet Union(const IntervalSet& other) const;
  IntervalSet Subtract(const IntervalSet& other, const T& min, const T& max) const;
  friend bool operator==(const IntervalSet&, const IntervalSet&) = default;
};

struct IpSet {
  IntervalSet<uint32_t> v4;
  IntervalSet<U128> v6;
  bool any = false;  // both families complete: skip the lookup
  bool Contains(const IpAddress& address) const;
  friend bool operator==(const IpSet&, const IpSet&) = default;
};

struct PortSet {
  IntervalSet<uint32_t> ports;
  bool any = false;
  bool Contains(uint16_t port) const { return any || ports.Contains(port); }
  friend bool operator==(const PortSet&, const PortSet&) = default;
};

// An address as an integer key: IPv4 (family 4) and IPv6 (family 6) in host order.
uint32_t V4Key(const IpAddress& address);
U128 V6Key(const IpAddress& address);

// Variables from the vars file: name without '$' -> definition text.
struct RuleVars {
  absl::flat_hash_map<std::string, std::string> addresses;
  absl::flat_hash_map<std::string, std::string> ports;
};

// Errors are messages without position; the caller adds file:line.
absl::StatusOr<IpSet> ParseIpSet(std::string_view text, const RuleVars& vars);
absl::StatusOr<PortSet> ParsePortSet(std::string_view text, const RuleVars& vars);

// Parses "1.2.3.4" / "2001:db8::1" into an IpAddress (family 4 or 6).
bool ParseIpAddress(std::string_view text, IpAddress* out);

}  // namespace otasuke::network::detect
