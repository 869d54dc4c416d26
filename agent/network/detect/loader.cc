// LoadRules: reads rule files and texts, parses every rule (collecting all errors with
// file:line), orders the rules as Suricata does and builds the grouped prefilter databases.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/network/detect/address_classes.h"
#include "agent/network/detect/compiled_rules.h"
#include "agent/network/detect/config_files.h"
#include "agent/network/detect/prefilter_databases.h"
#include "agent/network/detect/rule_parser.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::network::detect {
namespace {

struct RuleSource {
  std::string name;
  std::string text;
};

absl::Status CollectSources(const LoadOptions& options, std::vector<RuleSource>* sources) {
  namespace fs = std::filesystem;
  for (const std::string& path : options.rule_paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> files;
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (entry.path().extension() == ".rules") files.push_back(entry.path().string());
      }
      if (ec) return absl::NotFoundError(absl::StrCat(path, ": ", ec.message()));
      std::sort(files.begin(), files.end());
      for (const std::string& file : files) {
        ASSIGN_OR_RETURN(std::string text, ReadTextFile(file));
        sources->push_back(RuleSource{file, std::move(text)});
      }
    } else {
      ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
      sources->push_back(RuleSource{path, std::move(text)});
    }
  }
  for (const auto& [name, text] : options.rule_texts) sources->push_back(RuleSource{name, text});
  return absl::OkStatus();
}

// Suricata's flowbit ordering: rules that only set bits, then set-and-read, then read-only,
// then rules without flowbits.
int FlowbitRank(const Rule& rule) {
  const bool writes = !rule.flowbit_actions.empty();
  const bool reads = !rule.flowbit_checks.empty();
  if (writes && !reads) return 0;
  if (writes && reads) return 1;
  if (reads) return 2;
  return 3;
}

// Position of `action` in the configured action order (Suricata's action-order: the first
// sorting key of the rule set).
int ActionRank(const ActionOrder& order, RuleAction action) {
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] == action) return static_cast<int>(i);
  }
  return static_cast<int>(order.size());
}

std::vector<GroupClass> GroupsOf(const Rule& rule) {
  switch (rule.app_proto) {
    case AppProto::kHttp:
      return {kGroupHttp};
    case AppProto::kDns:
      return {kGroupDns};
    case AppProto::kTls:
      return {kGroupTls};
    default:
      break;
  }
  std::vector<GroupClass> groups;
  if (rule.proto_mask & kProtoTcp) groups.push_back(kGroupTcp);
  if (rule.proto_mask & kProtoUdp) groups.push_back(kGroupUdp);
  if (rule.proto_mask & kProtoIcmp4) groups.push_back(kGroupIcmp4);
  if (rule.proto_mask & kProtoIcmp6) groups.push_back(kGroupIcmp6);
  if (rule.proto_mask & kProtoOther) groups.push_back(kGroupOther);
  return groups;
}

// A content-less rule goes into the address index when one side covers at most this many
// IPv4 addresses (ET's reputation lists); the IPv6 part of that side is indexed as it is.
constexpr uint64_t kNarrowAddresses = uint64_t{1} << 20;
// Failing that and failing a narrow port set, a side of up to this many addresses (about 1.5 %
// of the space: lists of whole /12s, $HOME_NET) still indexes the rule. The bound keeps rules
// with wide sides (`!1.2.3.4`) out of the index, where they would be listed in nearly every
// segment.
constexpr uint64_t kMaxIndexedAddresses = uint64_t{1} << 26;

uint64_t V4Coverage(const IpSet& set) {
  uint64_t total = 0;
  for (const auto& [first, last] : set.v4.ranges) total += uint64_t{last} - first + 1;
  return total;
}

// The narrower side of a rule's header if it covers at most `max_coverage` IPv4 addresses, or
// null.
const IpSet* IndexableSide(const Rule& rule, uint64_t max_coverage) {
  const IpSet* best = nullptr;
  uint64_t best_coverage = max_coverage + 1;
  for (const IpSet* side : {&rule.src, &rule.dst}) {
    if (side->any) continue;
    const uint64_t coverage = V4Coverage(*side);
    if (coverage < best_coverage) {
      best = side;
      best_coverage = coverage;
    }
  }
  return best;
}

template <typename Key>
using IndexEntries = std::vector<std::pair<const IntervalSet<Key>*, uint32_t>>;

// The key after `key`, false when key is the largest.
bool KeyAfter(uint32_t key, uint32_t* next) {
  *next = key + 1;
  return key != std::numeric_limits<uint32_t>::max();
}
bool KeyAfter(const U128& key, U128* next) {
  *next = key.lo == ~uint64_t{0} ? U128{key.hi + 1, 0} : U128{key.hi, key.lo + 1};
  return !(key.hi == ~uint64_t{0} && key.lo == ~uint64_t{0});
}

// Elementary segments of all the entries' intervals, each with the rules covering it.
template <typename Key>
void BuildIntervalIndex(const IndexEntries<Key>& entries, IntervalIndex<Key>* index) {
  std::vector<Key> bounds;
  for (const auto& [set, rule] : entries) {
    for (const auto& [first, last] : set->ranges) {
      bounds.push_back(first);
      Key next;
      if (KeyAfter(last, &next)) bounds.push_back(next);
    }
  }
  if (bounds.empty()) return;
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  // Segment i is [bounds[i], bounds[i+1]); the last one runs to the key space's end.
  std::vector<std::vector<uint32_t>> per_segment(bounds.size());
  for (const auto& [set, rule] : entries) {
    for (const auto& [first, last] : set->ranges) {
      auto it = std::lower_bound(bounds.begin(), bounds.end(), first);
      for (size_t i = it - bounds.begin(); i < bounds.size() && bounds[i] <= last; ++i) {
        per_segment[i].push_back(rule);
      }
    }
  }
  index->segment_start = std::move(bounds);
  for (const std::vector<uint32_t>& rules : per_segment) {
    index->rule_begin.push_back(static_cast<uint32_t>(index->rules.size()));
    index->rules.insert(index->rules.end(), rules.begin(), rules.end());
  }
  index->rule_begin.push_back(static_cast<uint32_t>(index->rules.size()));
  index->BuildBuckets();
}

// Content-less TCP/UDP rules that name at most this many ports on one side are indexed by port.
constexpr uint64_t kMaxIndexedPorts = 4096;

const PortSet* IndexablePorts(const Rule& rule) {
  if ((rule.proto_mask & ~(kProtoTcp | kProtoUdp)) != 0) return nullptr;
  const PortSet* best = nullptr;
  uint64_t best_coverage = kMaxIndexedPorts + 1;
  for (const PortSet* side : {&rule.dst_ports, &rule.src_ports}) {
    if (side->any) continue;
    uint64_t coverage = 0;
    for (const auto& [first, last] : side->ports.ranges) coverage += last - first + 1;
    if (coverage < best_coverage) {
      best = side;
      best_coverage = coverage;
    }
  }
  return best;
}

// Index entries of one group's patternless rules, before the indexes are built.
struct PatternlessEntries {
  IndexEntries<uint32_t> by_v4;
  IndexEntries<U128> by_v6;
  IndexEntries<uint32_t> by_port;

  void Add(const Rule& rule, PatternlessRules& target) {
    const bool contentless = rule.chains.empty();
    const IpSet* side = contentless ? IndexableSide(rule, kNarrowAddresses) : nullptr;
    const PortSet* ports = side == nullptr ? IndexablePorts(rule) : nullptr;
    if (side == nullptr && ports == nullptr && contentless) {
      side = IndexableSide(rule, kMaxIndexedAddresses);
    }
    if (side != nullptr) {
      by_v4.emplace_back(&side->v4, rule.index);
      by_v6.emplace_back(&side->v6, rule.index);
    } else if (ports != nullptr) {
      by_port.emplace_back(&ports->ports, rule.index);
    } else {
      target.always.push_back(rule.index);
    }
  }
  void Build(PatternlessRules& target) const {
    BuildIntervalIndex(by_v4, &target.by_address.v4);
    BuildIntervalIndex(by_v6, &target.by_address.v6);
    BuildIntervalIndex(by_port, &target.by_port);
  }
};

// The rule inspects a buffer only to-server inspections have: it can never match to client.
bool InspectsToServerOnlyBuffer(const Rule& rule) {
  return std::any_of(rule.chains.begin(), rule.chains.end(),
                     [](const BufferChain& chain) { return BufferIsToServerOnly(chain.buffer); });
}

// The payload sizes a rule's dsize accepts, as [first, second]. A superset is enough: the
// test itself is checked on every candidate.
std::pair<uint32_t, uint32_t> DsizeRange(const Rule& rule) {
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  if (!rule.dsize) return {0, kMax};
  const NumericTest& test = *rule.dsize;
  const uint64_t a = std::min(test.a, kMax - 1);
  const uint64_t b = std::min(test.b, kMax);
  uint64_t first = 0, last = kMax;
  switch (test.op) {
    case NumericTest::Op::kEq:
      first = last = a;
      break;
    case NumericTest::Op::kNe:
      break;
    case NumericTest::Op::kLt:
      last = a > 0 ? a - 1 : 0;
      break;
    case NumericTest::Op::kGt:
      first = a + 1;
      break;
    case NumericTest::Op::kLe:
      last = a;
      break;
    case NumericTest::Op::kGe:
      first = a;
      break;
    case NumericTest::Op::kRangeInclusive:
      first = a;
      last = b;
      break;
    case NumericTest::Op::kRangeExclusive:
      first = a + 1;
      last = b > 0 ? b - 1 : 0;
      break;
  }
  if (first > last) first = last;  // matches nothing: any range will do
  return {static_cast<uint32_t>(first), static_cast<uint32_t>(last)};
}

// Packet-only payload rules are split by payload size at this bound: a rule goes to the
// database of each side its dsize accepts (ET's `dsize:<N` / `dsize:N` beacons and handshakes
// to the small side only), so a packet scans one database, and the large packets that carry
// most bytes one without the small-payload rules. (Split by the largest size a rule accepts, a
// small packet scanned both databases when a rule like `dsize:>0` was in the other.)
constexpr uint32_t kSmallPayloadBound = 1024;

// A group's packet-only payload rules on their way to a PacketOnlyDatabase.
struct PacketOnlyPatterns {
  PatternRules patterns;
  uint32_t min_payload = std::numeric_limits<uint32_t>::max();
  uint32_t max_payload = 0;

  // Adds `rule`, whose dsize accepts the payload sizes [first, last] on this database's side.
  void Add(const PatternKey& key, const Rule& rule, uint32_t first, uint32_t last) {
    patterns[key].push_back(rule.index);
    min_payload = std::min(min_payload, first);
    max_payload = std::max(max_payload, last);
  }
};

absl::Status BuildGroups(CompiledRules& compiled) {
  compiled.address_region = MostCommonAddressSet(compiled);
  PrefilterDatabaseBuilder builder(compiled);
  // Per group: IP-only rules, other patternless rules.
  std::array<std::array<PatternlessEntries, 2>, kGroupClassCount * 2> patternless;
  // Per group and buffer: pattern -> rules.
  std::array<std::array<PatternRules, kBufferCount>, kGroupClassCount * 2> patterns;
  // Per group: packet-only payload rules accepting small payloads only, and the others.
  std::array<std::array<PacketOnlyPatterns, 2>, kGroupClassCount * 2> packet_only;
  for (const Rule& rule : compiled.rules) {
    for (GroupClass group : GroupsOf(rule)) {
      for (Direction direction : {Direction::kToServer, Direction::kToClient}) {
        if (rule.flow_to_server && direction == Direction::kToClient) continue;
        if (rule.flow_to_client && direction == Direction::kToServer) continue;
        if (direction == Direction::kToClient && InspectsToServerOnlyBuffer(rule)) continue;
        RuleGroup& target = compiled.groups[GroupIndex(group, direction)];
        ++target.rule_count;
        if (rule.fast_chain < 0) {
          patternless[GroupIndex(group, direction)][rule.ip_only ? 0 : 1].Add(
              rule, rule.ip_only ? target.ip_only : target.other);
          continue;
        }
        const BufferChain& chain = rule.chains[rule.fast_chain];
        const auto& content = std::get<ContentMatcher>(chain.matchers[rule.fast_matcher]);
        PatternKey key{content.pattern, content.nocase};
        if (content.fast_pattern_offset >= 0) {
          key.bytes =
              content.pattern.substr(content.fast_pattern_offset, content.fast_pattern_length);
        }
        auto& group_patterns = patterns[GroupIndex(group, direction)];
        group_patterns[static_cast<size_t>(chain.buffer)][key].push_back(rule.index);
        if (chain.buffer == BufferId::kPktData && rule.RequiresPacket()) {
          // Also in the packet-only payload database of each size side its dsize accepts (see
          // RuleGroup::packet_only).
          auto& sides = packet_only[GroupIndex(group, direction)];
          const auto [first, last] = DsizeRange(rule);
          if (first <= kSmallPayloadBound) {
            sides[0].Add(key, rule, first, std::min(last, kSmallPayloadBound));
          }
          if (last > kSmallPayloadBound) {
            sides[1].Add(key, rule, std::max(first, kSmallPayloadBound + 1), last);
          }
        }
      }
    }
  }
  // App-layer groups: their payload patterns together with their transport group's.
  std::array<PatternRules, kGroupClassCount * 2> merged;
  // The payload databases that get subsets (see DatabaseSubsets), which choose the hot ports.
  std::vector<std::pair<const PatternRules*, Direction>> payload_databases;
  for (size_t g = 0; g < compiled.groups.size(); ++g) {
    const PatternRules& own = patterns[g][static_cast<size_t>(BufferId::kPktData)];
    const GroupClass transport = TransportOf(static_cast<GroupClass>(g / 2));
    if (transport == kGroupClassCount) {
      if (!own.empty()) payload_databases.emplace_back(&own, GroupDirection(g));
      continue;
    }
    const PatternRules& of_transport = patterns[static_cast<size_t>(transport) * 2 + g % 2]
                                               [static_cast<size_t>(BufferId::kPktData)];
    if (own.empty() || of_transport.empty()) continue;
    merged[g] = of_transport;
    for (const auto& [key, rules] : own) {
      std::vector<uint32_t>& target = merged[g][key];
      target.insert(target.end(), rules.begin(), rules.end());
    }
    payload_databases.emplace_back(&merged[g], GroupDirection(g));
  }
  builder.ChooseHotServerPorts(payload_databases);
  for (size_t g = 0; g < compiled.groups.size(); ++g) {
    if (merged[g].empty()) continue;
    ASSIGN_OR_RETURN(compiled.groups[g].payload_with_transport,
                     builder.Build(merged[g], GroupDirection(g),
                                   {.address_classes = true, .server_ports = true}));
  }
  for (size_t g = 0; g < compiled.groups.size(); ++g) {
    RuleGroup& group = compiled.groups[g];
    patternless[g][0].Build(group.ip_only);
    patternless[g][1].Build(group.other);
    for (size_t b = 0; b < kBufferCount; ++b) {
      if (patterns[g][b].empty()) continue;
      const bool transport_payload =
          b == static_cast<size_t>(BufferId::kPktData) &&
          TransportOf(static_cast<GroupClass>(g / 2)) == kGroupClassCount;
      ASSIGN_OR_RETURN(group.databases[b], builder.Build(patterns[g][b], GroupDirection(g),
                                                         {.unestablished = transport_payload,
                                                          .address_classes = transport_payload,
                                                          .server_ports = transport_payload}));
      group.database_buffers.push_back(static_cast<BufferId>(b));
    }
    for (const PacketOnlyPatterns& rules : packet_only[g]) {
      if (rules.patterns.empty()) continue;
      PacketOnlyDatabase database;
      ASSIGN_OR_RETURN(database.database, builder.Build(rules.patterns, GroupDirection(g), {}));
      database.min_payload = rules.min_payload;
      database.max_payload = rules.max_payload;
      group.packet_only.push_back(std::move(database));
    }
  }
  compiled.hot_server_ports = builder.hot_server_ports();
  compiled.has_server_port_subsets = builder.built_server_port_subsets();
  for (const auto& [first, last] : builder.named_client_ports().ranges) {
    for (uint32_t port = first; port <= last; ++port) {
      compiled.named_client_ports[port / 64] |= uint64_t{1} << (port % 64);
    }
  }
  return absl::OkStatus();
}

void ParseSource(const RuleSource& source, const RuleParseEnv& env, std::vector<Rule>* rules,
                 LoadReport* report) {
  std::string_view text = source.text;
  int line_number = 0;
  std::string pending;  // a rule continued with trailing backslashes
  int pending_line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (pending.empty()) {
      std::string_view trimmed = TrimValue(line);
      if (trimmed.empty() || trimmed.front() == '#') continue;
      pending_line = line_number;
    }
    if (!line.empty() && line.back() == '\\') {
      pending.append(line.substr(0, line.size() - 1));
      if (pos < text.size()) continue;
    } else {
      pending.append(line);
    }
    Rule rule;
    RuleParseError error;
    if (ParseRule(TrimValue(pending), env, &rule, &error)) {
      rule.info.source_file = source.name;
      rule.info.source_line = pending_line;
      rules->push_back(std::move(rule));
    } else {
      LoadError load_error;
      load_error.file = source.name;
      load_error.line = pending_line;
      load_error.sid = error.sid;
      load_error.reason = error.reason;
      load_error.reason_class = error.reason_class;
      if (error.column > 0 && error.reason.rfind("parse error", 0) == 0) {
        load_error.reason = absl::StrCat(error.reason, " (column ", error.column, ")");
      }
      ++report->skipped_by_reason[load_error.reason_class];
      report->errors.push_back(std::move(load_error));
      ++report->skipped;
    }
    pending.clear();
  }
}

}  // namespace

std::string LoadError::ToString() const {
  if (line == 0) return absl::StrCat(file, ": ", reason);
  return absl::StrCat(file, ":", line, ": sid ", sid, ": ", reason);
}

std::string LoadReport::Summary() const {
  std::vector<std::pair<size_t, std::string>> reasons;
  for (const auto& [reason, count] : skipped_by_reason) reasons.emplace_back(count, reason);
  std::sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::string summary = absl::StrCat("loaded ", loaded, " rules, skipped ", skipped);
  if (!reasons.empty()) {
    summary += " (";
    summary += absl::StrJoin(reasons, ", ", [](std::string* out, const auto& r) {
      absl::StrAppend(out, r.first, " ", r.second);
    });
    summary += ")";
  }
  return summary;
}

absl::StatusOr<LoadedRules> LoadRules(const LoadOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto compiled = std::make_shared<CompiledRules>();
  compiled->prefilter = ResolvePrefilterKind(options.prefilter);
  compiled->ips_mode = options.ips_mode;
  if (compiled->prefilter == PrefilterKind::kHyperscan && !HyperscanAvailable()) {
    return absl::FailedPreconditionError("Hyperscan prefilter requested but not built in");
  }

  RuleVars vars;
  ActionOrder action_order = options.action_order.value_or(kDefaultActionOrder);
  if (!options.vars_yaml_text.empty() || !options.vars_path.empty()) {
    std::string vars_text = options.vars_yaml_text;
    std::string vars_source = "<vars>";
    if (vars_text.empty()) {
      ASSIGN_OR_RETURN(vars_text, ReadTextFile(options.vars_path));
      vars_source = options.vars_path;
    }
    ASSIGN_OR_RETURN(vars, ParseVarsYaml(vars_text, vars_source));
    // A whole suricata.yaml given as the vars document also brings its action-order.
    ASSIGN_OR_RETURN(const std::optional<ActionOrder> configured,
                     ParseActionOrderYaml(vars_text, vars_source));
    if (configured && !options.action_order) action_order = *configured;
  }
  ClassificationMap classifications;
  const bool have_classifications = !options.classification_path.empty();
  if (have_classifications) {
    ASSIGN_OR_RETURN(classifications, LoadClassificationFile(options.classification_path));
  }
  std::vector<RuleSource> sources;
  RETURN_IF_ERROR(CollectSources(options, &sources));

  KeywordRegistry keywords;
  RETURN_IF_ERROR(RegisterBuiltinKeywords(keywords));
  FlowbitNames flowbits;
  const RuleParseEnv env{.keywords = keywords,
                         .vars = vars,
                         .classifications = have_classifications ? &classifications : nullptr,
                         .flowbits = flowbits};
  LoadedRules result;
  std::vector<Rule>& rules = compiled->rules;
  for (const RuleSource& source : sources) ParseSource(source, env, &rules, &result.report);

  // Duplicate (gid, sid): Suricata keeps the higher revision and reports the other.
  {
    absl::flat_hash_map<std::pair<uint32_t, uint32_t>, size_t> seen;
    std::vector<bool> drop(rules.size(), false);
    for (size_t i = 0; i < rules.size(); ++i) {
      auto [it, inserted] = seen.try_emplace({rules[i].info.gid, rules[i].info.sid}, i);
      if (inserted) continue;
      const size_t loser = rules[it->second].info.rev >= rules[i].info.rev ? i : it->second;
      if (loser == it->second) it->second = i;
      drop[loser] = true;
      LoadError error{rules[loser].info.source_file, rules[loser].info.source_line,
                      rules[loser].info.sid, "duplicate sid", "duplicate sid"};
      ++result.report.skipped_by_reason[error.reason_class];
      result.report.errors.push_back(std::move(error));
      ++result.report.skipped;
    }
    size_t kept = 0;
    for (size_t i = 0; i < rules.size(); ++i) {
      if (drop[i]) continue;
      if (kept != i) rules[kept] = std::move(rules[i]);
      ++kept;
    }
    rules.resize(kept);
  }

  std::stable_sort(rules.begin(), rules.end(), [&action_order](const Rule& a, const Rule& b) {
    return std::make_tuple(ActionRank(action_order, a.info.action), FlowbitRank(a),
                           a.info.priority) <
           std::make_tuple(ActionRank(action_order, b.info.action), FlowbitRank(b),
                           b.info.priority);
  });
  for (uint32_t i = 0; i < rules.size(); ++i) {
    rules[i].index = i;
    for (const auto& chain : rules[i].chains) {
      for (const auto& matcher : chain.matchers) {
        if (const auto* pcre = std::get_if<PcreMatcher>(&matcher)) {
          compiled->max_pcre_captures = std::max(compiled->max_pcre_captures, pcre->capture_count);
        }
      }
    }
  }
  compiled->flowbit_count = flowbits.size();
  RETURN_IF_ERROR(BuildGroups(*compiled));
  if (compiled->prefilter == PrefilterKind::kHyperscan) ReleaseCompilerMemory();
  result.report.loaded = rules.size();
  result.report.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options.strict && result.report.skipped > 0) {
    std::string first = result.report.errors.empty() ? "" : result.report.errors[0].ToString();
    return absl::InvalidArgumentError(
        absl::StrCat("--strict: ", result.report.Summary(), "; first: ", first));
  }
  result.rules = std::move(compiled);
  return result;
}

size_t RuleCount(const CompiledRules& rules) { return rules.rules.size(); }
const RuleInfo& RuleAt(const CompiledRules& rules, size_t index) { return rules.rules[index].info; }
std::string_view PrefilterName(const CompiledRules& rules) {
  return rules.prefilter == PrefilterKind::kHyperscan ? "hyperscan" : "aho-corasick";
}

}  // namespace otasuke::network::detect
