#include "agent/network/detect/addresses.h"

#include <arpa/inet.h>

#include <algorithm>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::network::detect {
namespace {

constexpr int kMaxNesting = 16;  // vars referencing vars, nested brackets
constexpr U128 kU128Max{~uint64_t{0}, ~uint64_t{0}};

template <typename T>
T Next(const T& v) {
  return v + 1;
}
template <>
U128 Next(const U128& v) {
  return v.lo == ~uint64_t{0} ? U128{v.hi + 1, 0} : U128{v.hi, v.lo + 1};
}
template <typename T>
T Prev(const T& v) {
  return v - 1;
}
template <>
U128 Prev(const U128& v) {
  return v.lo == 0 ? U128{v.hi - 1, ~uint64_t{0}} : U128{v.hi, v.lo - 1};
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "a,[b,c],d" at top-level commas.
absl::StatusOr<std::vector<std::string_view>> SplitTopLevel(std::string_view s) {
  std::vector<std::string_view> items;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '[') {
      ++depth;
    } else if (s[i] == ']') {
      if (--depth < 0) return absl::InvalidArgumentError("unbalanced ']'");
    } else if (s[i] == ',' && depth == 0) {
      items.push_back(Trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (depth != 0) return absl::InvalidArgumentError("unbalanced '['");
  items.push_back(Trim(s.substr(start)));
  return items;
}

// The set algebra both address and port lists share: union of the positive items minus the
// union of the negated ones; a list of only negations starts from "any".
template <typename Set, typename Traits>
absl::StatusOr<Set> ParseList(std::string_view text, const Traits& traits, int depth) {
  if (depth > kMaxNesting) return absl::InvalidArgumentError("too deeply nested");
  text = Trim(text);
  if (text.empty()) return absl::InvalidArgumentError("empty list");
  if (text.front() == '[') {
    if (text.back() != ']')
      return absl::InvalidArgumentError(absl::StrCat("unbalanced '[' in '", Sv(text), "'"));
    text = text.substr(1, text.size() - 2);
  }
  ASSIGN_OR_RETURN(auto items, SplitTopLevel(text));
  Set positive;
  Set negative;
  bool any_positive = false;
  for (std::string_view item : items) {
    bool negated = false;
    while (!item.empty() && item.front() == '!') {
      negated = !negated;
      item = Trim(item.substr(1));
    }
    if (item.empty()) return absl::InvalidArgumentError("empty list item");
    Set value;
    if (item.front() == '[') {
      ASSIGN_OR_RETURN(value, (ParseList<Set, Traits>(item, traits, depth + 1)));
    } else if (item.front() == '$') {
      const std::string* definition = traits.Lookup(item.substr(1));
      if (definition == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("undefined variable '", Sv(item), "'"));
      }
      ASSIGN_OR_RETURN(value, (ParseList<Set, Traits>(*definition, traits, depth + 1)));
    } else if (item == "any") {
      value = traits.Full();
    } else {
      ASSIGN_OR_RETURN(value, traits.Single(item));
    }
    if (negated) {
      negative = traits.Union(negative, value);
    } else {
      positive = traits.Union(positive, value);
      any_positive = true;
    }
  }
  if (!any_positive) positive = traits.Full();
  return traits.Subtract(positive, negative);
}

struct IpTraits {
  const RuleVars& vars;
  const std::string* Lookup(std::string_view name) const {
    auto it = vars.addresses.find(std::string(name));
    return it == vars.addresses.end() ? nullptr : &it->second;
  }
  IpSet Full() const {
    IpSet s;
    s.v4.ranges = {{0, std::numeric_limits<uint32_t>::max()}};
    s.v6.ranges = {{U128{}, kU128Max}};
    s.any = true;
    return s;
  }
  IpSet Union(const IpSet& a, const IpSet& b) const {
    IpSet s;
    s.v4 = a.v4.Union(b.v4);
    s.v6 = a.v6.Union(b.v6);
    return s;
  }
  IpSet Subtract(const IpSet& a, const IpSet& b) const {
    IpSet s;
    s.v4 = a.v4.Subtract(b.v4, 0, std::numeric_limits<uint32_t>::max());
    s.v6 = a.v6.Subtract(b.v6, U128{}, kU128Max);
    s.any = s.v4.ranges.size() == 1 && s.v4.ranges[0].first == 0 &&
            s.v4.ranges[0].second == std::numeric_limits<uint32_t>::max() &&
            s.v6.ranges.size() == 1 && s.v6.ranges[0].first == U128{} &&
            s.v6.ranges[0].second == kU128Max;
    return s;
  }
  absl::StatusOr<IpSet> Single(std::string_view item) const {
    IpSet s;
    const size_t dash = item.find('-');
    if (dash != std::string_view::npos) {  // "1.2.3.4-1.2.3.9"
      IpAddress lo, hi;
      if (!ParseIpAddress(Trim(item.substr(0, dash)), &lo) ||
          !ParseIpAddress(Trim(item.substr(dash + 1)), &hi) || lo.family != hi.family) {
        return absl::InvalidArgumentError(absl::StrCat("bad address range '", Sv(item), "'"));
      }
      if (lo.family == 4) {
        if (V4Key(hi) < V4Key(lo)) return absl::InvalidArgumentError("address range upside down");
        s.v4.ranges = {{V4Key(lo), V4Key(hi)}};
      } else {
        if (V6Key(hi) < V6Key(lo)) return absl::InvalidArgumentError("address range upside down");
        s.v6.ranges = {{V6Key(lo), V6Key(hi)}};
      }
      return s;
    }
    std::string_view host = item;
    std::string_view mask;
    const size_t slash = item.find('/');
    if (slash != std::string_view::npos) {
      host = item.substr(0, slash);
      mask = item.substr(slash + 1);
    }
    IpAddress address;
    if (!ParseIpAddress(host, &address)) {
      return absl::InvalidArgumentError(absl::StrCat("bad address '", Sv(item), "'"));
    }
    const int bits = address.family == 4 ? 32 : 128;
    int prefix = bits;
    if (!mask.empty()) {
      IpAddress netmask;
      if (address.family == 4 && mask.find('.') != std::string_view::npos &&
          ParseIpAddress(mask, &netmask) && netmask.family == 4) {
        const uint32_t m = V4Key(netmask);
        prefix = __builtin_popcount(m);
        if (m != (prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix))) {
          return absl::InvalidArgumentError(absl::StrCat("bad netmask '", Sv(mask), "'"));
        }
      } else if (!absl::SimpleAtoi(Sv(mask), &prefix) || prefix < 0 || prefix > bits) {
        return absl::InvalidArgumentError(absl::StrCat("bad prefix length '", Sv(mask), "'"));
      }
    }
    if (address.family == 4) {
      const uint32_t net_mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
      const uint32_t first = V4Key(address) & net_mask;
      s.v4.ranges = {{first, first | ~net_mask}};
    } else {
      const U128 v = V6Key(address);
      U128 m;
      m.hi = prefix >= 64 ? ~uint64_t{0} : (prefix == 0 ? 0 : ~uint64_t{0} << (64 - prefix));
      m.lo = prefix <= 64 ? 0 : (prefix == 128 ? ~uint64_t{0} : ~uint64_t{0} << (128 - prefix));
      const U128 first{v.hi & m.hi, v.lo & m.lo};
      s.v6.ranges = {{first, U128{first.hi | ~m.hi, first.lo | ~m.lo}}};
    }
    return s;
  }
};

struct PortTraits {
  const RuleVars& vars;
  const std::string* Lookup(std::string_view name) const {
    auto it = vars.ports.find(std::string(name));
    return it == vars.ports.end() ? nullptr : &it->second;
  }
  PortSet Full() const {
    PortSet s;
    s.ports.ranges = {{0, 65535}};
    s.any = true;
    return s;
  }
  PortSet Union(const PortSet& a, const PortSet& b) const {
    PortSet s;
    s.ports = a.ports.Union(b.ports);
    return s;
  }
  PortSet Subtract(const PortSet& a, const PortSet& b) const {
    PortSet s;
    s.ports = a.ports.Subtract(b.ports, 0, 65535);
    s.any =
        s.ports.ranges.size() == 1 && s.ports.ranges[0] == std::pair<uint32_t, uint32_t>(0, 65535);
    return s;
  }
  static absl::StatusOr<uint32_t> Port(std::string_view text, uint32_t if_empty) {
    text = Trim(text);
    if (text.empty()) return if_empty;
    uint32_t port = 0;
    if (!absl::SimpleAtoi(Sv(text), &port) || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("bad port '", Sv(text), "'"));
    }
    return port;
  }
  absl::StatusOr<PortSet> Single(std::string_view item) const {
    PortSet s;
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      if (item.empty()) return absl::InvalidArgumentError("empty port");
      ASSIGN_OR_RETURN(uint32_t port, Port(item, 0));
      s.ports.ranges = {{port, port}};
      return s;
    }
    ASSIGN_OR_RETURN(uint32_t first, Port(item.substr(0, colon), 0));
    ASSIGN_OR_RETURN(uint32_t last, Port(item.substr(colon + 1), 65535));
    if (last < first) {
      return absl::InvalidArgumentError(absl::StrCat("port range upside down '", Sv(item), "'"));
    }
    s.ports.ranges = {{first, last}};
    return s;
  }
};

}  // namespace

template <typename T>
bool IntervalSet<T>::Contains(const T& value) const {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), value,
                             [](const T& v, const std::pair<T, T>& r) { return v < r.first; });
  if (it == ranges.begin()) return false;
  --it;
  return value <= it->second;
}

template <typename T>
void IntervalSet<T>::Normalize() {
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<T, T>> merged;
  for (const auto& r : ranges) {
    if (!merged.empty() &&
        (r.first <= merged.back().second ||
         (merged.back().second < r.first && Next(merged.back().second) == r.first))) {
      if (merged.back().second < r.second) merged.back().second = r.second;
    } else {
      merged.push_back(r);
    }
  }
  ranges = std::move(merged);
}

template <typename T>
IntervalSet<T> IntervalSet<T>::Union(const IntervalSet& other) const {
  IntervalSet out;
  out.ranges = ranges;
  out.ranges.insert(out.ranges.end(), other.ranges.begin(), other.ranges.end());
  out.Normalize();
  return out;
}

template <typename T>
IntervalSet<T> IntervalSet<T>::Complement(const T& min, const T& max) const {
  IntervalSet out;
  T cursor = min;
  bool done = false;
  for (const auto& r : ranges) {
    if (cursor < r.first) out.ranges.push_back({cursor, Prev(r.first)});
    if (r.second == max) {
      done = true;
      break;
    }
    cursor = Next(r.second);
  }
  if (!done) out.ranges.push_back({cursor, max});
  return out;
}

template <typename T>
IntervalSet<T> IntervalSet<T>::Subtract(const IntervalSet& other, const T& min,
                                        const T& max) const {
  // a - b = a ∩ ¬b; intersect by walking both sorted lists.
  const IntervalSet keep = other.Complement(min, max);
  IntervalSet out;
  size_t i = 0, j = 0;
  while (i < ranges.size() && j < keep.ranges.size()) {
    const T lo = std::max(ranges[i].first, keep.ranges[j].first);
    const T hi = std::min(ranges[i].second, keep.ranges[j].second);
    if (lo <= hi) out.ranges.push_back({lo, hi});
    if (ranges[i].second < keep.ranges[j].second) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

template struct IntervalSet<uint32_t>;
template struct IntervalSet<U128>;

uint32_t V4Key(const IpAddress& a) {
  return (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) | (uint32_t{a.bytes[2]} << 8) |
         a.bytes[3];
}

U128 V6Key(const IpAddress& a) {
  U128 v;
  for (int i = 0; i < 8; ++i) v.hi = (v.hi << 8) | a.bytes[i];
  for (int i = 8; i < 16; ++i) v.lo = (v.lo << 8) | a.bytes[i];
  return v;
}

bool IpSet::Contains(const IpAddress& address) const {
  if (any) return true;
  if (address.family == 4) return v4.Contains(V4Key(address));
  if (address.family == 6) return v6.Contains(V6Key(address));
  return false;
}

bool ParseIpAddress(std::string_view text, IpAddress* out) {
  std::string s(Trim(text));
  *out = IpAddress{};
  if (inet_pton(AF_INET, s.c_str(), out->bytes.data()) == 1) {
    out->family = 4;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out->bytes.data()) == 1) {
    out->family = 6;
    return true;
  }
  return false;
}

absl::StatusOr<IpSet> ParseIpSet(std::string_view text, const RuleVars& vars) {
  return ParseList<IpSet>(text, IpTraits{vars}, 0);
}

absl::StatusOr<PortSet> ParsePortSet(std::string_view text, const RuleVars& vars) {
  return ParseList<PortSet>(text, PortTraits{vars}, 0);
}

}  // namespace otasuke::network::detect
