#include "agent/network/detect/prefilter_databases.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <tuple>

#include "absl/strings/ascii.h"
#include "common/status_macros.h"

namespace otasuke::network::detect {
namespace {

// A packet meets both headers or neither.
bool SameHeader(const Rule& a, const Rule& b) {
  return a.bidirectional == b.bidirectional && a.src_ports == b.src_ports &&
         a.dst_ports == b.dst_ports && a.src == b.src && a.dst == b.dst;
}

bool HeaderMatchesEverything(const Rule& rule) {
  return rule.src.any && rule.dst.any && rule.src_ports.any && rule.dst_ports.any;
}

// A database whose rules have more distinct headers than this counts as reaching every flow:
// checking them all for each new flow direction would cost more than it saves.
constexpr size_t kMaxReachHeaders = 32;

DatabaseReach BuildReach(const std::vector<uint32_t>& rules, const CompiledRules& compiled) {
  DatabaseReach reach;
  std::vector<std::pair<uint32_t, size_t>> headers;  // a rule with the header, rules with it
  for (uint32_t index : rules) {
    const Rule& rule = compiled.rules[index];
    if (HeaderMatchesEverything(rule)) {
      reach.always = true;
      return reach;
    }
    auto same = std::find_if(headers.begin(), headers.end(), [&](const auto& header) {
      return SameHeader(compiled.rules[header.first], rule);
    });
    if (same != headers.end()) {
      ++same->second;
      continue;
    }
    if (headers.size() == kMaxReachHeaders) {
      reach.always = true;
      return reach;
    }
    headers.emplace_back(index, 1);
  }
  // Most common first: a flow a database reaches usually meets one of its first headers.
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& header : headers) reach.header_rules.push_back(header.first);
  return reach;
}

// The start offsets in its buffer at which a rule's prefilter pattern can lie when the rule
// matches, as MatchContent searches a non-relative content: from `offset` to the end of the
// window that `depth` / `startswith` close; nullopt when the window is open (no depth, a
// relative or endswith content).
std::optional<std::pair<uint32_t, uint32_t>> FastPatternStarts(const Rule& rule) {
  const auto& content =
      std::get<ContentMatcher>(rule.chains[rule.fast_chain].matchers[rule.fast_matcher]);
  if (content.relative() || content.endswith) return std::nullopt;
  if (!content.depth && !content.startswith) return std::nullopt;
  const int64_t length = static_cast<int64_t>(content.pattern.size());
  const int64_t first = content.offset.value_or(0);
  int64_t end = std::numeric_limits<int64_t>::max();
  if (content.depth) end = std::min(end, first + *content.depth);
  if (content.startswith) end = std::min(end, length);
  const int64_t last = end - length;
  // A window the content cannot fit (it never matches) is left to the matcher.
  if (first < 0 || last < first) return std::nullopt;
  const int64_t chop = std::max(content.fast_pattern_offset, 0);
  return std::pair<uint32_t, uint32_t>(
      static_cast<uint32_t>(std::min<int64_t>(first + chop, UINT32_MAX)),
      static_cast<uint32_t>(std::min<int64_t>(last + chop, UINT32_MAX)));
}

// The start offsets of a pattern shared by `rules` (the union of theirs), when every rule
// bounds them.
std::optional<std::pair<uint32_t, uint32_t>> PatternStarts(const std::vector<uint32_t>& rules,
                                                           const CompiledRules& compiled) {
  std::optional<std::pair<uint32_t, uint32_t>> starts;
  for (uint32_t index : rules) {
    const auto rule_starts = FastPatternStarts(compiled.rules[index]);
    if (!rule_starts) return std::nullopt;
    if (!starts) {
      starts = rule_starts;
    } else {
      starts->first = std::min(starts->first, rule_starts->first);
      starts->second = std::max(starts->second, rule_starts->second);
    }
  }
  return starts;
}

// A database's subset of rules for flows not established is built only when it leaves out at
// least this share of the rules (a subset nearly as large would scan nearly as slowly, and
// cost compile time and memory).
constexpr size_t kUnestablishedSubsetMaxPercent = 50;
// The same for a database's subset per address class.
constexpr size_t kAddressClassSubsetMaxPercent = 25;
// A database of fewer rules is scanned as it is in every class: its scans cost little more than
// the call, and a compile costs load time.
constexpr size_t kMinRulesForAddressClassSubsets = 64;

// Server-port subsets (PrefilterDatabase::by_server_port). A port is hot when at least this
// many rules of one large payload database name it in a narrow server-port set: the ports rules
// are written for are services traffic goes to (ET: 1521, 80, 445, 139, 21), so a subset for
// them is scanned often. The other ports share the subsets of their class (kColdPortClasses).
constexpr size_t kMinRulesNamingHotServerPort = 8;
// A port set of more ports than this (`1024:65535`, `!80`) names no port: it says where a
// service is not, not where it is.
constexpr uint64_t kMaxNamedPorts = 64;
// The hot ports of a rule set, those named most first: each subset compiles a database's
// any-port rules once more (load time and memory: with eight, ET's rule load took 7.7 s and
// 152 MB peak RSS, over the budget of 5 s and 150 MB), and a capture's busy ports are as often
// ports few rules name (22, 443), which the cold classes' subsets serve.
constexpr size_t kMaxHotServerPorts = 3;
// A subset is built only when it leaves out at least a third of the database's rules (one
// nearly as large scans nearly as slowly).
constexpr size_t kServerPortSubsetMaxPercent = 66;
// A database of fewer rules gets no server-port subsets (its scans cost little more than the
// matcher call), and its rules do not make a port hot.
constexpr size_t kMinRulesForServerPortSubsets = 32;

// A way `rule`'s ports can meet an inspection in a direction (AddressesMatch in engine.cc): the
// set that must hold the server's port (the destination's to server, the source's to client) and
// the one that must hold the client's. A bidirectional rule has a second way, the sets swapped.
struct PortWay {
  const PortSet* server;
  const PortSet* client;
};
std::array<std::optional<PortWay>, 2> PortWays(const Rule& rule, Direction direction) {
  const bool to_server = direction == Direction::kToServer;
  const PortWay own{to_server ? &rule.dst_ports : &rule.src_ports,
                    to_server ? &rule.src_ports : &rule.dst_ports};
  std::array<std::optional<PortWay>, 2> ways = {own, std::nullopt};
  if (rule.bidirectional) ways[1] = PortWay{own.client, own.server};
  return ways;
}

// The number of ports of `set` in [first, last].
uint64_t PortCount(const PortSet& set, uint32_t first = 0, uint32_t last = 65535) {
  if (set.any) return last - first + 1;
  uint64_t count = 0;
  for (const auto& [from, to] : set.ports.ranges) {
    if (to >= first && from <= last) count += std::min(to, last) - std::max(from, first) + 1;
  }
  return count;
}
bool NamesPorts(const PortSet& set) { return PortCount(set) <= kMaxNamedPorts; }

// Whether `rule` goes to a server-port subset: some way of it has a server side for which
// `server_meets` holds and a client side that does not name ports. A way whose client side names
// ports (`$EXTERNAL_NET 445 -> $HOME_NET any` without a flow direction, in the to-server group)
// is left out: its client ports are added to `client_ports`, and an inspection whose client
// port lies in them scans the whole database (CompiledRules::HotServerPort).
template <typename F>
bool InServerPortSubset(const Rule& rule, Direction direction, F&& server_meets,
                        IntervalSet<uint32_t>& client_ports) {
  std::vector<const PortSet*> named_client_sides;
  for (const std::optional<PortWay>& way : PortWays(rule, direction)) {
    if (!way || !server_meets(*way->server)) continue;
    if (!NamesPorts(*way->client)) return true;
    named_client_sides.push_back(way->client);
  }
  for (const PortSet* side : named_client_sides) {
    client_ports.ranges.insert(client_ports.ranges.end(), side->ports.ranges.begin(),
                               side->ports.ranges.end());
  }
  return false;
}

// How many of `rules` name each port in a narrow server-port set.
absl::flat_hash_map<uint16_t, size_t> NamedServerPorts(const std::vector<uint32_t>& rules,
                                                       const CompiledRules& compiled,
                                                       Direction direction) {
  absl::flat_hash_map<uint16_t, size_t> named;
  std::vector<uint16_t> ports_of_rule;
  for (uint32_t index : rules) {
    ports_of_rule.clear();
    for (const std::optional<PortWay>& way : PortWays(compiled.rules[index], direction)) {
      if (!way || !NamesPorts(*way->server)) continue;
      for (const auto& [first, last] : way->server->ports.ranges) {
        for (uint32_t port = first; port <= last; ++port) {
          ports_of_rule.push_back(static_cast<uint16_t>(port));
        }
      }
    }
    std::sort(ports_of_rule.begin(), ports_of_rule.end());
    ports_of_rule.erase(std::unique(ports_of_rule.begin(), ports_of_rule.end()),
                        ports_of_rule.end());
    for (uint16_t port : ports_of_rule) ++named[port];
  }
  return named;
}

// The rules, pattern by pattern, of `map` for which `keep(rule)` holds; `count`: how many.
template <typename F>
PatternRules SubsetOf(const PatternRules& map, F&& keep, size_t* count) {
  PatternRules subset;
  *count = 0;
  for (const auto& [key, rules] : map) {
    for (uint32_t rule : rules) {
      if (!keep(rule)) continue;
      subset[key].push_back(rule);
      ++*count;
    }
  }
  return subset;
}

// One database of `map`'s patterns, each making its rules candidates, without subsets.
absl::StatusOr<std::unique_ptr<PrefilterDatabase>> BuildDatabaseOnly(
    const PatternRules& map, const CompiledRules& compiled) {
  // Deterministic pattern order (the hash map's is not), the patterns for the matcher first
  // and those looked up at their few start offsets (AnchoredPatterns) after them.
  struct Entry {
    const PatternKey* key;
    const std::vector<uint32_t>* rules;
    std::optional<std::pair<uint32_t, uint32_t>> anchored;
  };
  std::vector<Entry> sorted;
  for (const auto& [key, rules] : map) {
    auto starts = PatternStarts(rules, compiled);
    if (starts && !AnchoredPatterns::Fits(key.bytes.size(), starts->first, starts->second)) {
      starts.reset();
    }
    sorted.push_back(Entry{&key, &rules, starts});
  }
  std::sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& c) {
    return std::forward_as_tuple(a.anchored.has_value(), a.key->bytes, a.key->nocase) <
           std::forward_as_tuple(c.anchored.has_value(), c.key->bytes, c.key->nocase);
  });
  auto database = std::make_unique<PrefilterDatabase>();
  database->shortest_pattern = std::numeric_limits<size_t>::max();
  std::vector<PrefilterPattern> list;  // the matcher's
  for (uint32_t i = 0; i < sorted.size(); ++i) {
    const PatternKey& key = *sorted[i].key;
    const std::vector<uint32_t>& rules = *sorted[i].rules;
    if (sorted[i].anchored) {
      database->anchored.Add(i, key.bytes, sorted[i].anchored->first, sorted[i].anchored->second);
    } else {
      list.push_back(PrefilterPattern{key.bytes, key.nocase});
      database->longest_matcher_pattern =
          std::max(database->longest_matcher_pattern, key.bytes.size());
    }
    database->shortest_pattern = std::min(database->shortest_pattern, key.bytes.size());
    if (key.bytes.size() == 1) {
      // Caseless, as the Hyperscan databases are: candidates are verified exactly.
      const auto byte = static_cast<uint8_t>(absl::ascii_tolower(key.bytes[0]));
      database->one_byte_patterns.emplace_back(byte, i);
    }
    database->rule_begin.push_back(static_cast<uint32_t>(database->rules.size()));
    database->rules.insert(database->rules.end(), rules.begin(), rules.end());
    for (uint32_t rule : rules) {
      database->has_app_buffer_rules |= compiled.rules[rule].uses_app_buffers;
    }
  }
  database->rule_begin.push_back(static_cast<uint32_t>(database->rules.size()));
  database->reach = BuildReach(database->rules, compiled);
  database->anchored.Finish();
  if (list.empty()) return database;  // every pattern is anchored
  if (compiled.prefilter == PrefilterKind::kHyperscan) {
    ASSIGN_OR_RETURN(database->matcher, BuildHyperscan(list));
  } else {
    ASSIGN_OR_RETURN(database->matcher, BuildAhoCorasick(list));
  }
  return database;
}

}  // namespace

PrefilterDatabaseBuilder::PrefilterDatabaseBuilder(const CompiledRules& compiled)
    : compiled_(compiled), rule_classes_(AddressClassesOfRules(compiled)) {}

absl::StatusOr<std::unique_ptr<PrefilterDatabase>> PrefilterDatabaseBuilder::Build(
    const PatternRules& map, Direction direction, DatabaseSubsets subsets) {
  const Target target{direction, subsets};
  ASSIGN_OR_RETURN(std::unique_ptr<PrefilterDatabase> database,
                   BuildWithClassAndPortSubsets(map, target));
  size_t subset_rules = 0;
  const PatternRules subset = SubsetOf(
      map, [&](uint32_t rule) { return !compiled_.rules[rule].flow_established; }, &subset_rules);
  if (subset_rules == 0) {
    database->unestablished_none = true;
  } else if (subsets.unestablished &&
             subset_rules * 100 <= database->rules.size() * kUnestablishedSubsetMaxPercent) {
    ASSIGN_OR_RETURN(database->unestablished, BuildWithClassAndPortSubsets(subset, target));
  }
  return database;
}

absl::StatusOr<std::unique_ptr<PrefilterDatabase>>
PrefilterDatabaseBuilder::BuildWithClassAndPortSubsets(const PatternRules& map,
                                                       const Target& target) {
  ASSIGN_OR_RETURN(std::unique_ptr<PrefilterDatabase> database, BuildDatabaseOnly(map, compiled_));
  RETURN_IF_ERROR(AddAddressClassSubsets(map, target, *database));
  if (target.subsets.server_ports) {
    RETURN_IF_ERROR(AddServerPortSubsets(map, target.direction, *database));
  }
  return database;
}

// Sets `database`'s per address class databases (when asked for) and the classes none of its
// rules can meet. `map` holds the database's patterns.
absl::Status PrefilterDatabaseBuilder::AddAddressClassSubsets(const PatternRules& map,
                                                              const Target& target,
                                                              PrefilterDatabase& database) {
  if (!compiled_.address_region) return absl::OkStatus();
  for (int address_class = 0; address_class < kAddressClasses; ++address_class) {
    size_t subset_rules = 0;
    const PatternRules subset = SubsetOf(
        map, [&](uint32_t rule) { return ((rule_classes_[rule] >> address_class) & 1u) != 0; },
        &subset_rules);
    if (subset_rules == 0) {
      database.address_class_none |= static_cast<uint8_t>(1u << address_class);
      database.has_address_class_subsets = true;
    } else if (target.subsets.address_classes &&
               database.rules.size() >= kMinRulesForAddressClassSubsets &&
               subset_rules * 100 <= database.rules.size() * kAddressClassSubsetMaxPercent) {
      ASSIGN_OR_RETURN(database.by_address_class[address_class],
                       BuildDatabaseOnly(subset, compiled_));
      if (target.subsets.server_ports) {
        RETURN_IF_ERROR(AddServerPortSubsets(subset, target.direction,
                                             *database.by_address_class[address_class]));
      }
      database.has_address_class_subsets = true;
    }
  }
  return absl::OkStatus();
}

void PrefilterDatabaseBuilder::ChooseHotServerPorts(
    const std::vector<std::pair<const PatternRules*, Direction>>& payload_databases) {
  absl::flat_hash_map<uint16_t, size_t> naming_rules;  // over the databases naming it enough
  for (const auto& [map, direction] : payload_databases) {
    std::vector<uint32_t> rules;
    for (const auto& [key, pattern_rules] : *map) {
      rules.insert(rules.end(), pattern_rules.begin(), pattern_rules.end());
    }
    if (rules.size() < kMinRulesForServerPortSubsets) continue;
    for (const auto& [port, count] : NamedServerPorts(rules, compiled_, direction)) {
      if (count >= kMinRulesNamingHotServerPort) naming_rules[port] += count;
    }
  }
  std::vector<std::pair<size_t, uint16_t>> ranked;
  for (const auto& [port, count] : naming_rules) ranked.emplace_back(count, port);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  hot_server_ports_.clear();
  for (size_t i = 0; i < ranked.size() && i < kMaxHotServerPorts; ++i) {
    hot_server_ports_.push_back(ranked[i].second);
  }
}

// Sets `database`'s subsets for the hot server ports (PrefilterDatabase::by_server_port).
// `map` holds the database's patterns, `direction` is its group's.
absl::Status PrefilterDatabaseBuilder::AddServerPortSubsets(const PatternRules& map,
                                                            Direction direction,
                                                            PrefilterDatabase& database) {
  if (database.rules.size() < kMinRulesForServerPortSubsets) return absl::OkStatus();
  // The port classes (CompiledRules::HotServerPort): each hot port, then the other system
  // ports, then the other ports.
  const size_t hot_count = hot_server_ports_.size();
  for (size_t index = 0; index < hot_count + kColdPortClasses; ++index) {
    auto server_meets = [&](const PortSet& server) {
      if (index < hot_count) return server.Contains(hot_server_ports_[index]);
      // The set holds a cold port of the class.
      const bool system = index == hot_count;
      const uint32_t first = system ? 0 : kFirstUserPort;
      const uint32_t last = system ? kFirstUserPort - 1 : 65535;
      const auto hot_in_class = std::count_if(
          hot_server_ports_.begin(), hot_server_ports_.end(),
          [&](uint16_t hot) { return hot >= first && hot <= last && server.Contains(hot); });
      return PortCount(server, first, last) > static_cast<uint64_t>(hot_in_class);
    };
    size_t subset_rules = 0;
    IntervalSet<uint32_t> client_ports;
    const PatternRules subset = SubsetOf(
        map,
        [&](uint32_t rule) {
          return InServerPortSubset(compiled_.rules[rule], direction, server_meets, client_ports);
        },
        &subset_rules);
    if (subset_rules * 100 > database.rules.size() * kServerPortSubsetMaxPercent) continue;
    database.by_server_port.resize(hot_count + kColdPortClasses);
    ASSIGN_OR_RETURN(database.by_server_port[index], BuildDatabaseOnly(subset, compiled_));
    named_client_ports_ = named_client_ports_.Union(client_ports);
    built_server_port_subsets_ = true;
  }
  return absl::OkStatus();
}

}  // namespace otasuke::network::detect
