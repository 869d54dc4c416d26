#pragma once
// The inside of CompiledRules: rules in inspection order and the rule groups with their
// prefilter databases. Built once by LoadRules, then only read.

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/network/detect/anchored_patterns.h"
#include "agent/network/detect/engine.h"
#include "agent/network/detect/prefilter.h"
#include "agent/network/detect/rule.h"

namespace otasuke::network::detect {

// The distinct headers (address sets, port sets, direction) of a database's rules. A flow
// direction that none of them matches can take no candidate of the database past the header
// test, so it skips the scan (Suricata reaches the same by grouping rules by port).
struct DatabaseReach {
  std::vector<uint32_t> header_rules;  // one rule per distinct header, most common first
  bool always = false;  // a header matches everything, or too many to check once per flow
};

// An inspection's address class: whether its source (bit 1) and its destination (bit 0) lie in
// CompiledRules::address_region. Rules are written against a few address variables ($HOME_NET,
// $EXTERNAL_NET = !$HOME_NET, and the servers, which default to $HOME_NET), so which of them a
// flow can meet is mostly decided by which side of $HOME_NET its two hosts are on.
inline constexpr int kAddressClasses = 4;
inline constexpr int kNoAddressClass = -1;  // an address outside IPv4 / IPv6, or no region

// No port class (CompiledRules::HotServerPort): the inspection has no ports, or no flow, or a
// client port some rule left out of the subsets names; whole databases are scanned.
inline constexpr uint8_t kNoHotServerPort = 0xff;
// The ports that are not hot make two classes, system ports (below this one, where services
// listen) and the others (where clients' ephemeral ports and rules' wide sets such as
// `1024:65535` lie): PrefilterDatabase::by_server_port has a subset for each after the hot ones.
inline constexpr uint16_t kFirstUserPort = 1024;
inline constexpr size_t kColdPortClasses = 2;

// One multi-pattern database and, per pattern, the rules it makes candidates (CSR layout).
struct PrefilterDatabase {
  // The patterns that can lie anywhere in the buffer; null when every pattern is anchored.
  std::unique_ptr<MultiPatternMatcher> matcher;
  // The patterns that can only start at a few offsets (after the matcher's in pattern order).
  AnchoredPatterns anchored;
  std::vector<uint32_t> rule_begin;  // pattern i's rules: rules[rule_begin[i] .. rule_begin[i+1])
  std::vector<uint32_t> rules;
  // Some of the rules use app-layer buffers. A transaction-only inspection (a further
  // transaction of the same packet) evaluates only such rules, so it skips databases without.
  bool has_app_buffer_rules = false;
  // Length of the database's shortest pattern: a shorter buffer can contain none of them and is
  // not scanned (ET's one-byte keep-alive payloads met databases of longer literals).
  size_t shortest_pattern = 0;
  // Length of the matcher's longest pattern: a buffer scanned again after bytes were appended
  // to it is scanned from this many bytes (less one) before the old end (BufferScanMemo).
  size_t longest_matcher_pattern = 0;
  // The one-byte patterns (lower-cased byte, pattern index): a one-byte buffer is looked up here
  // instead of scanned (a matcher call costs far more than the lookup; ET's one-byte
  // keep-alive payloads met the TCP databases tens of thousands of times per pass).
  std::vector<std::pair<uint8_t, uint32_t>> one_byte_patterns;
  DatabaseReach reach;
  // For an inspection of a flow that is not established (or of no flow): the rules needing
  // `flow:established` fail the header test there, so such an inspection scans a database of
  // the other rules' patterns instead (ET: the TCP payload databases hold 48 and 52 such
  // rules of 245 and 1,311, and carry 3.5 MB of each pass of the bench pcaps from flows whose
  // handshake was not seen). Built for transport groups' payload databases only; null with
  // `unestablished_none` false: this database is scanned itself.
  std::unique_ptr<PrefilterDatabase> unestablished;
  bool unestablished_none = false;  // every rule needs an established flow
  // Per address class (see AddressClass): a database of the patterns of the rules whose
  // addresses can meet an inspection of that class, when it leaves out at least three quarters of
  // the rules (ET: a flow between two $HOME_NET hosts meets none of the `$HOME_NET any ->
  // $EXTERNAL_NET any` rules, which are most of the TCP to-server payload rules). Null with the
  // class's bit of `address_class_none` clear: this database is scanned itself; with the bit
  // set, no rule's addresses can meet the class and nothing is scanned.
  std::array<std::unique_ptr<PrefilterDatabase>, kAddressClasses> by_address_class;
  uint8_t address_class_none = 0;
  bool has_address_class_subsets = false;  // a subset is built or a class is none
  // By port class (CompiledRules::HotServerPort: a hot port's index, then the cold classes): a
  // database of the patterns of the rules whose server-side ports (the destination's to server,
  // the source's to client) can be a port of the class, when it leaves out at least a third of
  // the rules (ET: a flow to port 445 between two $HOME_NET hosts scans 140 of the 240 rules of
  // the TCP to-server HH subset). Null or past the end: this database is scanned itself. Set on
  // payload databases and on their flow-state and address-class subsets, after which it is
  // chosen.
  std::vector<std::unique_ptr<PrefilterDatabase>> by_server_port;
  // The database to scan for an inspection whose flow is `established` or not; null: none.
  const PrefilterDatabase* ForFlowState(bool established) const {
    if (established) return this;
    if (unestablished_none) return nullptr;
    return unestablished != nullptr ? unestablished.get() : this;
  }
  // The database to scan for an inspection of `address_class` (kNoAddressClass: this one);
  // null: none.
  const PrefilterDatabase* ForAddressClass(int address_class) const {
    if (address_class == kNoAddressClass) return this;
    if ((address_class_none >> address_class) & 1u) return nullptr;
    const PrefilterDatabase* subset = by_address_class[address_class].get();
    return subset != nullptr ? subset : this;
  }
  // The database to scan for an inspection whose server port has index `hot_port` in
  // CompiledRules::hot_server_ports (kNoHotServerPort: this one).
  const PrefilterDatabase* ForServerPort(uint8_t hot_port) const {
    if (hot_port >= by_server_port.size()) return this;
    const PrefilterDatabase* subset = by_server_port[hot_port].get();
    return subset != nullptr ? subset : this;
  }
  // Calls visit(database) for this database and every subset of it.
  template <typename F>
  void ForEachDatabase(F&& visit) const {
    visit(*this);
    if (unestablished != nullptr) unestablished->ForEachDatabase(visit);
    for (const auto& subset : by_address_class) {
      if (subset != nullptr) subset->ForEachDatabase(visit);
    }
    for (const auto& subset : by_server_port) {
      if (subset != nullptr) subset->ForEachDatabase(visit);
    }
  }
};

// Payload rules that need packet data (dsize, no_stream), with the payload sizes their dsize
// tests accept: a packet whose payload size is outside [min_payload, max_payload] can match
// none of them and skips the scan. A group has one for payloads up to 1,024 bytes and one for
// larger ones, a rule in each whose sizes its dsize accepts: a packet scans one of them.
struct PacketOnlyDatabase {
  std::unique_ptr<PrefilterDatabase> database;
  uint32_t min_payload = 0;
  uint32_t max_payload = std::numeric_limits<uint32_t>::max();
  bool Accepts(uint32_t payload_size) const {
    return payload_size >= min_payload && payload_size <= max_payload;
  }
};

// The top 12 bits of a key: IntervalIndex's coarse table.
inline uint32_t KeyBucket(uint32_t key) { return key >> 20; }
inline uint32_t KeyBucket(const U128& key) { return static_cast<uint32_t>(key.hi >> 52); }

// Rules indexed by a set of keys (addresses or ports): the elementary segments of all the
// rules' intervals, each with the rules whose set covers it (CSR layout).
template <typename Key>
struct IntervalIndex {
  static constexpr uint32_t kBuckets = 4096;
  std::vector<Key> segment_start;    // sorted; segment i is [start[i], start[i+1]), the last to max
  std::vector<uint32_t> rule_begin;  // segment i's rules: rules[rule_begin[i]..[i+1])
  std::vector<uint32_t> rules;
  // bucket_first[b]: the first segment whose start has KeyBucket >= b (kBuckets + 1 entries), so
  // a lookup searches a handful of segments instead of all of them (ET's IP lists make ~12,000).
  std::vector<uint32_t> bucket_first;

  // Fills bucket_first once segment_start is final.
  void BuildBuckets() {
    bucket_first.assign(kBuckets + 1, static_cast<uint32_t>(segment_start.size()));
    for (size_t i = segment_start.size(); i-- > 0;) {
      bucket_first[KeyBucket(segment_start[i])] = static_cast<uint32_t>(i);
    }
    for (size_t b = kBuckets; b-- > 0;)
      bucket_first[b] = std::min(bucket_first[b], bucket_first[b + 1]);
  }
  // Calls add(rule) for the rules whose indexed set contains key.
  template <typename F>
  void ForEachRule(const Key& key, F&& add) const {
    if (segment_start.empty() || key < segment_start.front()) return;
    const uint32_t bucket = KeyBucket(key);
    // The segment holding key starts in key's bucket or is the last one before it.
    const uint32_t first = bucket_first[bucket];
    const auto begin = segment_start.begin() + (first > 0 ? first - 1 : 0);
    const auto end = segment_start.begin() + bucket_first[bucket + 1];
    const size_t i =
        static_cast<size_t>(std::upper_bound(begin, end, key) - segment_start.begin() - 1);
    for (uint32_t k = rule_begin[i]; k < rule_begin[i + 1]; ++k) add(rules[k]);
  }
};

// Content-less rules whose source or destination is a narrow address set (ET's IP reputation
// lists: thousands of rules of hundreds of addresses each), indexed by that set. A packet meets
// a rule only if its source or destination address falls in the rule's indexed set.
struct AddressIndex {
  IntervalIndex<uint32_t> v4;
  IntervalIndex<U128> v6;
  template <typename F>
  void ForEachRule(const IpAddress& address, F&& add) const {
    if (address.family == 4) v4.ForEachRule(V4Key(address), add);
    if (address.family == 6) v6.ForEachRule(V6Key(address), add);
  }
};

// A group's rules without a prefilter pattern.
struct PatternlessRules {
  AddressIndex by_address;          // content-less rules with a narrow address set
  IntervalIndex<uint32_t> by_port;  // other content-less TCP/UDP rules with a narrow port set
  std::vector<uint32_t> always;     // the rest
};

// Rules that can apply to one (protocol class or app protocol, direction).
struct RuleGroup {
  // Per buffer. kPktData holds every payload rule's pattern and is scanned over packet and
  // stream data; the kStream slot stays empty.
  std::array<std::unique_ptr<PrefilterDatabase>, kBufferCount> databases;
  std::vector<BufferId> database_buffers;  // the slots of `databases` that are set
  // The payload rules that need packet data (no_stream, dsize) once more, scanned over a
  // packet whose payload went to reassembly: the other payload rules see that data in the
  // stream chunk. At most two, for payload sizes up to 1,024 bytes and above.
  std::vector<PacketOnlyDatabase> packet_only;
  // App-layer groups only: this group's payload patterns and those of the transport group its
  // protocol runs over (HTTP and TLS: TCP; DNS: UDP) in one database, so a packet of such a
  // flow scans its stream chunk or payload once instead of once per group. Set when both
  // groups have payload patterns; the transport group is then not scanned for payload.
  std::unique_ptr<PrefilterDatabase> payload_with_transport;
  // IP-only rules are inspected on the first packet of each flow direction only, so they are
  // kept apart and not even collected for the other packets (ET's IP reputation lists with
  // IPv6 parts made every IPv6 packet a candidate for hundreds of them).
  PatternlessRules ip_only;
  PatternlessRules other;  // patternless rules that are not IP-only
  size_t rule_count = 0;

  // Every database of the group by slot: kBufferCount per-buffer slots, then the packet-only
  // ones, then payload_with_transport. A flow keeps one bit per slot (FlowGroupCache).
  static constexpr size_t kPacketOnlySlot = kBufferCount;
  static constexpr size_t kPayloadWithTransportSlot = kBufferCount + 2;
  static constexpr size_t kDatabaseSlots = kBufferCount + 3;
  const PrefilterDatabase* DatabaseAt(size_t slot) const {
    if (slot < kBufferCount) return databases[slot].get();
    if (slot < kPayloadWithTransportSlot) {
      const size_t i = slot - kPacketOnlySlot;
      return i < packet_only.size() ? packet_only[i].database.get() : nullptr;
    }
    return payload_with_transport.get();
  }
};
static_assert(RuleGroup::kDatabaseSlots <= 32, "FlowGroupCache keeps a 32-bit mask");

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
// The transport group an app-layer group's protocol usually runs over (kGroupClassCount for
// a transport group).
inline GroupClass TransportOf(GroupClass group) {
  switch (group) {
    case kGroupHttp:
    case kGroupTls:
      return kGroupTcp;
    case kGroupDns:
      return kGroupUdp;
    default:
      return kGroupClassCount;
  }
}
inline size_t GroupIndex(GroupClass group, Direction direction) {
  return static_cast<size_t>(group) * 2 + (direction == Direction::kToClient ? 1 : 0);
}
inline Direction GroupDirection(size_t group_index) {
  return group_index % 2 == 0 ? Direction::kToServer : Direction::kToClient;
}

class CompiledRules {
 public:
  std::vector<Rule> rules;  // sorted in inspection order; Rule::index is the position
  std::array<RuleGroup, kGroupClassCount * 2> groups;
  size_t flowbit_count = 0;
  uint32_t max_pcre_captures = 0;
  PrefilterKind prefilter = PrefilterKind::kAhoCorasick;
  // The address set rule headers name most often (with ET and the usual vars, $HOME_NET), which
  // splits inspections into address classes; unset when every rule's addresses are `any`.
  std::optional<IpSet> address_region;
  // The inspection's address class: kNoAddressClass without a region or when an address is
  // neither IPv4 nor IPv6.
  int AddressClass(const IpAddress& src, const IpAddress& dst) const {
    if (!address_region || (src.family != 4 && src.family != 6) ||
        (dst.family != 4 && dst.family != 6)) {
      return kNoAddressClass;
    }
    return (address_region->Contains(src) ? 2 : 0) | (address_region->Contains(dst) ? 1 : 0);
  }
  // The server ports some database has a subset for (PrefilterDatabase::by_server_port), a few:
  // ports many rules of a large payload database name. The other ports have subsets too, by
  // class (kColdPortClasses), after them.
  std::vector<uint16_t> hot_server_ports;
  bool has_server_port_subsets = false;  // some database has one
  // The client ports of rules that meet a hot server port but only from named client ports
  // (`$EXTERNAL_NET 445 -> any any` in the to-server group): the subsets leave them out, so an
  // inspection from such a client port scans the whole databases.
  // As bits (8 KB): the test is one load, where the interval set's search cost ≈ 100
  // instructions per flow direction.
  std::array<uint64_t, 65536 / 64> named_client_ports{};
  // The index in hot_server_ports of the inspection's server port (past them, its cold class),
  // or kNoHotServerPort: no ports, or a client port some subset's rules name.
  uint8_t HotServerPort(const Inspection& in) const {
    if (!has_server_port_subsets || (in.ip_proto != 6 && in.ip_proto != 17)) {
      return kNoHotServerPort;
    }
    const bool to_server = in.direction == Direction::kToServer;
    const uint16_t port = to_server ? in.dst_port : in.src_port;
    const uint16_t client_port = to_server ? in.src_port : in.dst_port;
    if ((named_client_ports[client_port / 64] >> (client_port % 64)) & 1u) {
      return kNoHotServerPort;
    }
    const size_t hot =
        static_cast<size_t>(std::find(hot_server_ports.begin(), hot_server_ports.end(), port) -
                            hot_server_ports.begin());
    if (hot < hot_server_ports.size()) return static_cast<uint8_t>(hot);
    // Past the hot ones: the cold system ports' subset, then the other cold ports'.
    return static_cast<uint8_t>(hot + (port < kFirstUserPort ? 0 : 1));
  }
  bool ips_mode = false;
};

}  // namespace otasuke::network::detect
