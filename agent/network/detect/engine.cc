#include "agent/network/detect/engine.h"

#include <algorithm>
#include <array>
#include <bit>

#include "absl/base/attributes.h"
#include "absl/strings/ascii.h"
#include "agent/network/detect/alert_queue.h"
#include "agent/network/detect/compiled_rules.h"
#include "agent/network/detect/flow_state.h"
#include "agent/network/detect/payload_match.h"
#include "agent/network/detect/threshold.h"
#include "common/check.h"

namespace otasuke::network::detect {
namespace {

constexpr size_t kMaxTxMarks = 64;  // per flow; old marks are dropped beyond this

// The protocol group and protocol bit of each IP protocol, and the app-layer group of each app
// protocol, as tables: every inspection reads them (HeaderMatches the bit once per candidate),
// and their switches compiled to compare chains of about ten instructions each.
struct ProtoFacts {
  GroupClass group = kGroupOther;
  uint8_t bit = kProtoOther;
};
constexpr std::array<ProtoFacts, 256> kProtoFacts = [] {
  std::array<ProtoFacts, 256> table{};
  table[6] = {kGroupTcp, kProtoTcp};
  table[17] = {kGroupUdp, kProtoUdp};
  table[1] = {kGroupIcmp4, kProtoIcmp4};
  table[58] = {kGroupIcmp6, kProtoIcmp6};
  return table;
}();

GroupClass ProtoGroup(uint8_t ip_proto) { return kProtoFacts[ip_proto].group; }
uint8_t ProtoBit(uint8_t ip_proto) { return kProtoFacts[ip_proto].bit; }

// kGroupClassCount: no app-layer group (unknown or failed protocol).
constexpr std::array<GroupClass, 5> kAppGroup = {kGroupClassCount, kGroupHttp, kGroupDns, kGroupTls,
                                                 kGroupClassCount};
static_assert(static_cast<size_t>(AppProto::kHttp) == 1 &&
              static_cast<size_t>(AppProto::kDns) == 2 &&
              static_cast<size_t>(AppProto::kTls) == 3 &&
              static_cast<size_t>(AppProto::kFailed) == kAppGroup.size() - 1);

GroupClass AppGroup(AppProto proto) { return kAppGroup[static_cast<size_t>(proto)]; }

bool AddressesMatch(const Rule& rule, const Inspection& in) {
  const bool has_ports = in.ip_proto == 6 || in.ip_proto == 17;
  if (!has_ports && !(rule.src_ports.any && rule.dst_ports.any)) return false;
  // Ports first: one or two intervals, cheaper than address lists and often decisive.
  auto one_way = [&](const IpAddress& s, const IpAddress& d, uint16_t sp, uint16_t dp) {
    return (!has_ports || (rule.dst_ports.Contains(dp) && rule.src_ports.Contains(sp))) &&
           rule.dst.Contains(d) && rule.src.Contains(s);
  };
  if (one_way(in.src, in.dst, in.src_port, in.dst_port)) return true;
  return rule.bidirectional && one_way(in.dst, in.src, in.dst_port, in.src_port);
}

bool HeaderMatches(const Rule& rule, const Inspection& in) {
  if ((rule.proto_mask & ProtoBit(in.ip_proto)) == 0) return false;
  if (rule.app_proto != AppProto::kUnknown && rule.app_proto != in.app_proto) return false;
  if (rule.flow_established && !(in.has_flow && in.flow_established)) return false;
  if (rule.flow_not_established && in.has_flow && in.flow_established) return false;
  if (rule.flow_to_server && !(in.has_flow && in.direction == Direction::kToServer)) return false;
  if (rule.flow_to_client && !(in.has_flow && in.direction == Direction::kToClient)) return false;
  const bool packet = in.kind == InspectionKind::kPacket;
  if (rule.ttl && !(packet && in.ip_version != 0 && rule.ttl->Matches(in.ttl))) return false;
  if (rule.dsize && !(packet && rule.dsize->Matches(in.payload_size))) return false;
  if (rule.flags && !(packet && in.ip_proto == 6 && rule.flags->Matches(in.tcp_flags))) {
    return false;
  }
  const bool icmp = in.ip_proto == 1 || in.ip_proto == 58;
  if (rule.itype && !(packet && icmp && rule.itype->Matches(in.icmp_type))) return false;
  if (rule.icode && !(packet && icmp && rule.icode->Matches(in.icmp_code))) return false;
  return AddressesMatch(rule, in);
}

bool FlowbitsMatch(const Rule& rule, const FlowDetectState* state) {
  for (const FlowbitAction& check : rule.flowbit_checks) {
    const bool want_set = check.op == FlowbitOp::kIsSet;
    if (state == nullptr) {
      if (want_set) return false;
      continue;  // no flow: no bit is set
    }
    bool result = check.all_of;
    for (uint32_t bit : check.bits) {
      const bool ok = state->IsSet(bit) == want_set;
      if (check.all_of && !ok) result = false;
      if (!check.all_of && ok) result = true;
    }
    if (!result) return false;
  }
  return true;
}

void ApplyFlowbits(const Rule& rule, FlowDetectState* state) {
  if (state == nullptr) return;
  for (const FlowbitAction& action : rule.flowbit_actions) {
    for (uint32_t bit : action.bits) {
      switch (action.op) {
        case FlowbitOp::kSet:
          state->Set(bit);
          break;
        case FlowbitOp::kUnset:
          state->Unset(bit);
          break;
        case FlowbitOp::kToggle:
          if (state->IsSet(bit)) {
            state->Unset(bit);
          } else {
            state->Set(bit);
          }
          break;
        default:
          break;
      }
    }
  }
}

constexpr size_t kNoPayloadScan = RuleGroup::kDatabaseSlots;
constexpr size_t kOwnPayload = static_cast<size_t>(BufferId::kPktData);
static_assert(kNoPayloadScan <= UINT8_MAX, "DirectionPlan keeps slots in a byte");

constexpr uint32_t BufferBit(BufferId id) { return 1u << static_cast<unsigned>(id); }

constexpr uint32_t kPayloadBits = BufferBit(BufferId::kPktData) | BufferBit(BufferId::kStream);

// The buffers (1 << BufferId) some database of `group` scans with `payload_slot` as the
// payload's database slot.
uint32_t ScannedBuffers(const RuleGroup& group, size_t payload_slot) {
  uint32_t bits = group.packet_only.empty() ? 0 : BufferBit(BufferId::kPktData);
  for (const BufferId id : group.database_buffers) {
    if (id != BufferId::kPktData) {
      bits |= BufferBit(id);
    } else if (payload_slot != kNoPayloadScan) {
      bits |= kPayloadBits;
    }
  }
  return bits;
}

// The database slots that scan the payload (packet and stream data) in the protocol group and in
// the app-layer group (kGroupClassCount: none): kPktData each, unless the app-layer group has
// its patterns and its transport's in one database (RuleGroup::payload_with_transport), which
// then scans the payload once for both.
struct PayloadSlots {
  size_t proto = kOwnPayload;
  size_t app = kOwnPayload;
};
PayloadSlots PayloadSlotsOf(const CompiledRules& compiled, GroupClass proto_group,
                            GroupClass app_group, Direction direction) {
  if (app_group == kGroupClassCount || TransportOf(app_group) != proto_group ||
      compiled.groups[GroupIndex(app_group, direction)].payload_with_transport == nullptr) {
    return {};
  }
  return {kNoPayloadScan, RuleGroup::kPayloadWithTransportSlot};
}

bool HasRules(const PatternlessRules& rules) {
  return !rules.always.empty() || !rules.by_address.v4.rules.empty() ||
         !rules.by_address.v6.rules.empty() || !rules.by_port.rules.empty();
}

}  // namespace

struct DetectEngine::Impl {
  std::shared_ptr<const CompiledRules> rules;
  std::unique_ptr<MatchScratch> match_scratch;
  PrefilterScratch prefilter_scratch;
  std::vector<uint32_t> candidates;
  // Membership bits of `candidates` (deduplication without a hash set).
  std::vector<uint64_t> candidate_bits;
  ThresholdTracker thresholds;
  AlertQueue queue;
  DetectStats stats;
  // What a plan (DirectionPlan) reads of each group, by group index.
  struct GroupFacts {
    bool has_ip_only = false;
    uint32_t scanned_buffers = 0;             // with the group's own payload database
    uint32_t scanned_buffers_no_payload = 0;  // when another group scans the payload
  };
  std::array<GroupFacts, kGroupClassCount * 2> group_facts;

  void Prepare() {
    match_scratch = std::make_unique<MatchScratch>(rules->max_pcre_captures);
    for (size_t g = 0; g < rules->groups.size(); ++g) {
      const RuleGroup& group = rules->groups[g];
      group_facts[g] = {HasRules(group.ip_only), ScannedBuffers(group, kOwnPayload),
                        ScannedBuffers(group, kNoPayloadScan)};
    }
    for (const RuleGroup& group : rules->groups) {
      for (size_t slot = 0; slot < RuleGroup::kDatabaseSlots; ++slot) {
        const PrefilterDatabase* database = group.DatabaseAt(slot);
        if (database == nullptr) continue;
        database->ForEachDatabase([this](const PrefilterDatabase& d) { PrepareScratchFor(d); });
      }
    }
    candidates.clear();
    candidates.reserve(rules->rules.size());
    candidate_bits.assign(rules->rules.size() / 64 + 1, 0);
    thresholds.Clear();
  }

  void PrepareScratchFor(const PrefilterDatabase& database) {
    if (database.matcher != nullptr) {
      OTASUKE_CHECK(database.matcher->PrepareScratch(prefilter_scratch).ok());
    }
  }

  void AddCandidate(uint32_t rule) {
    uint64_t& word = candidate_bits[rule / 64];
    const uint64_t bit = uint64_t{1} << (rule % 64);
    if ((word & bit) == 0) {
      word |= bit;
      candidates.push_back(rule);
    }
  }

  // Puts the candidates in inspection order (rule index) and clears their bits; the list is
  // short after the prefilter, so sorting it beats walking the bitset.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void OrderCandidates() {
    std::sort(candidates.begin(), candidates.end());
    for (uint32_t rule : candidates) candidate_bits[rule / 64] = 0;
  }

  // Calls add(rule) for the patternless rules that can meet the inspection's addresses and
  // ports (a rule may come more than once).
  template <typename F>
  static void ForEachPatternless(const PatternlessRules& rules, const Inspection& in, F&& add) {
    for (uint32_t rule : rules.always) add(rule);
    rules.by_address.ForEachRule(in.src, add);
    rules.by_address.ForEachRule(in.dst, add);
    if (in.ip_proto == 6 || in.ip_proto == 17) {
      rules.by_port.ForEachRule(in.dst_port, add);
      rules.by_port.ForEachRule(in.src_port, add);
    }
  }

  void CollectPatternless(const PatternlessRules& rules, const Inspection& in) {
    ForEachPatternless(rules, in, [this](uint32_t rule) { AddCandidate(rule); });
  }

  // Whether some rule of `database` has a header (addresses, ports) the inspection meets.
  bool Reaches(const PrefilterDatabase& database, const Inspection& in) const {
    if (database.reach.always) return true;
    return std::any_of(database.reach.header_rules.begin(), database.reach.header_rules.end(),
                       [&](uint32_t rule) { return AddressesMatch(rules->rules[rule], in); });
  }

  // Out of line: a flow direction fills its cache once per group.
  ABSL_ATTRIBUTE_NOINLINE void FillGroupCache(const RuleGroup& group, const Inspection& in,
                                              FlowGroupCache& cache) const {
    cache.group = &group;
    cache.patternless.clear();
    ForEachPatternless(group.other, in, [&](uint32_t rule) { cache.patternless.push_back(rule); });
    std::sort(cache.patternless.begin(), cache.patternless.end());
    cache.patternless.erase(std::unique(cache.patternless.begin(), cache.patternless.end()),
                            cache.patternless.end());
    cache.reach_known = 0;
    cache.reaches = 0;
  }

  // Derives the plan of the inspection's flow direction for its app protocol (DirectionPlan),
  // filling the groups' caches that are not yet of these groups. Out of line: once per flow
  // direction and app protocol.
  ABSL_ATTRIBUTE_NOINLINE void MakePlan(const Inspection& in, FlowDetectState& flow,
                                        size_t side) const {
    const CompiledRules& compiled = *rules;
    DirectionPlan& plan = flow.plans[side];
    std::array<FlowGroupCache, 2>& caches = flow.groups[side];
    if (plan.app_proto == DirectionPlan::kNoPlan) {
      // The direction's first plan (of this state, or of this rule set): its groups' views of
      // the addresses and ports are looked up.
      caches[0].group = nullptr;
      caches[1].group = nullptr;
      plan.src = in.src;
      plan.dst = in.dst;
      plan.src_port = in.src_port;
      plan.dst_port = in.dst_port;
    }
    plan.app_proto = static_cast<uint8_t>(in.app_proto);
    const GroupClass proto_group = ProtoGroup(in.ip_proto);
    const GroupClass app_group = AppGroup(in.app_proto);
    const RuleGroup& proto_rules = compiled.groups[GroupIndex(proto_group, in.direction)];
    if (caches[0].group != &proto_rules) FillGroupCache(proto_rules, in, caches[0]);
    const PayloadSlots payload = PayloadSlotsOf(compiled, proto_group, app_group, in.direction);
    plan.proto_payload_slot = static_cast<uint8_t>(payload.proto);
    plan.app_payload_slot = static_cast<uint8_t>(payload.app);
    plan.has_app_group = app_group != kGroupClassCount;
    plan.quiet = caches[0].patternless.empty();
    const GroupFacts& proto_facts = group_facts[GroupIndex(proto_group, in.direction)];
    plan.has_ip_only = proto_facts.has_ip_only;
    plan.scanned_buffers = payload.proto == kNoPayloadScan ? proto_facts.scanned_buffers_no_payload
                                                           : proto_facts.scanned_buffers;
    if (plan.has_app_group) {
      const size_t app_index = GroupIndex(app_group, in.direction);
      const RuleGroup& app_rules = compiled.groups[app_index];
      if (caches[1].group != &app_rules) FillGroupCache(app_rules, in, caches[1]);
      plan.quiet = plan.quiet && caches[1].patternless.empty();
      const GroupFacts& app_facts = group_facts[app_index];
      plan.has_ip_only = plan.has_ip_only || app_facts.has_ip_only;
      plan.scanned_buffers |= app_facts.scanned_buffers;
      // Its payload database with the transport's patterns scans the payload.
      if (payload.app != kOwnPayload) plan.scanned_buffers |= kPayloadBits;
    }
    plan.address_class = static_cast<int8_t>(compiled.AddressClass(in.src, in.dst));
    plan.hot_server_port = compiled.HotServerPort(in);
  }

  // The buffers among `scanned` (1 << BufferId) that the inspection has and that are not empty:
  // the only ones a database is scanned over.
  static uint32_t BuffersToScan(uint32_t scanned, const Inspection& in) {
    uint32_t bits = in.present_mask & scanned;
    for (uint32_t rest = bits; rest != 0; rest &= rest - 1) {
      const int id = std::countr_zero(rest);
      if (in.buffers[id].empty()) bits &= ~(1u << id);
    }
    return bits;
  }

  // `cache`: the flow direction's cache of `group` (null without a flow), with the direction's
  // address class `address_class` and hot server port `hot_server_port` (kNoHotServerPort
  // without a flow).
  // `ip_only_due`: this inspection is one IP-only rules apply to (Inspect skips them on every
  // other one, so they are not collected there).
  // `payload_slot`: the database slot to scan over the payload (packet and stream data):
  // kPktData, RuleGroup::kPayloadWithTransportSlot, or kNoPayloadScan (see
  // RuleGroup::payload_with_transport).
  // `to_scan`: BuffersToScan(), the buffers a database may be scanned over.
  void CollectCandidates(const RuleGroup& group, FlowGroupCache* cache, int address_class,
                         uint8_t hot_server_port, size_t payload_slot, const Inspection& in,
                         bool ip_only_due, uint32_t to_scan) {
    if (cache != nullptr) {
      for (uint32_t rule : cache->patternless) AddCandidate(rule);
    } else {
      CollectPatternless(group.other, in);
    }
    if (ip_only_due) CollectPatternless(group.ip_only, in);
    // A database none of whose rule headers the flow direction meets is not scanned; a flow
    // not established scans only the patterns of rules that do not need it to be.
    const bool established = in.has_flow && in.flow_established;
    auto scan_if_reached = [&](size_t database_slot, BufferId id) {
      const PrefilterDatabase* database = group.DatabaseAt(database_slot);
      if (database == nullptr) return;
      const PrefilterDatabase* scanned = database->ForFlowState(established);
      if (scanned == nullptr) return;
      // Only the patterns of rules whose addresses can meet the inspection's class.
      if (scanned->has_address_class_subsets) {
        scanned = scanned->ForAddressClass(cache != nullptr ? address_class
                                                            : rules->AddressClass(in.src, in.dst));
        if (scanned == nullptr) return;
      }
      // Only the patterns of rules whose server ports can be the inspection's.
      scanned = scanned->ForServerPort(hot_server_port);
      // A transaction-only inspection evaluates app-layer rules only.
      if (in.tx_only && !scanned->has_app_buffer_rules) return;
      if (cache != nullptr &&
          !cache->Reaches(database_slot, [&] { return Reaches(*database, in); })) {
        return;
      }
      if (in.flow_state != nullptr &&
          (id == BufferId::kHttpRequestBody || BufferSetOncePerTransaction(id))) {
        ScanMemoized(*scanned, in, id, *in.flow_state);
        return;
      }
      Scan(*scanned, in, id);
    };
    if (to_scan == 0) return;
    auto has = [to_scan](BufferId id) { return (to_scan & BufferBit(id)) != 0; };
    for (const BufferId id : group.database_buffers) {
      if (id != BufferId::kPktData) {
        if (has(id)) scan_if_reached(static_cast<size_t>(id), id);
        continue;
      }
      if (payload_slot == kNoPayloadScan) continue;
      // All payload patterns over stream data, and over packet data unless the packet's
      // payload went to reassembly.
      if (!in.payload_in_stream && has(BufferId::kPktData)) {
        scan_if_reached(payload_slot, BufferId::kPktData);
      }
      if (has(BufferId::kStream)) scan_if_reached(payload_slot, BufferId::kStream);
    }
    if (!in.payload_in_stream || !has(BufferId::kPktData)) return;
    // Packet-only payload patterns over a packet whose payload went to reassembly, from the
    // databases whose rules' dsize can accept this payload size.
    for (size_t i = 0; i < group.packet_only.size(); ++i) {
      if (!group.packet_only[i].Accepts(in.payload_size)) continue;
      scan_if_reached(RuleGroup::kPacketOnlySlot + i, BufferId::kPktData);
    }
  }

  // Makes the rules of a pattern the database found candidates.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void AddPatternRules(const PrefilterDatabase& database,
                                                    uint32_t pattern) {
    for (uint32_t k = database.rule_begin[pattern]; k < database.rule_begin[pattern + 1]; ++k) {
      AddCandidate(database.rules[k]);
    }
  }

  // Scans buffer `id` of the inspection, if present and not shorter than the database's
  // shortest pattern (no pattern is empty), with one database, and makes the rules of every
  // pattern found candidates.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Scan(const PrefilterDatabase& database, const Inspection& in,
                                         BufferId id) {
    if (!in.HasBuffer(id)) return;
    const std::span<const uint8_t> data = in.Buffer(id);
    if (data.empty() || data.size() < database.shortest_pattern) return;
    ++stats.prefilter_scans;
    auto add_rules = [&](uint32_t pattern) { AddPatternRules(database, pattern); };
    if (data.size() == 1) {
      const auto byte = static_cast<uint8_t>(absl::ascii_tolower(static_cast<char>(data[0])));
      for (const auto& [pattern_byte, pattern] : database.one_byte_patterns) {
        if (pattern_byte == byte) add_rules(pattern);
      }
      return;
    }
    database.anchored.ForEachMatch(data, add_rules);
    if (database.matcher != nullptr) database.matcher->Scan(data, prefilter_scratch, add_rules);
  }

  // Scan() of an app-layer buffer of one transaction, skipping the bytes the flow's memo for
  // `database` saw scanned for the same transaction (BufferScanMemo): the request body (append
  // only) is scanned from the longest pattern's length less one before the old end, where a
  // pattern may straddle old and new bytes; a buffer set once per transaction is not scanned
  // again while its view is the same. The patterns found before come from the memo; anchored
  // patterns lie in the first bytes and are looked up again.
  // Out of line: inlined, it made the compiler move Scan() out of the scanning loop (≈ 3 M
  // instructions of calls per pass of the bench pcaps).
  ABSL_ATTRIBUTE_NOINLINE void ScanMemoized(const PrefilterDatabase& database, const Inspection& in,
                                            BufferId id, FlowDetectState& flow) {
    const std::span<const uint8_t> data = in.Buffer(id);
    if (database.matcher == nullptr || data.size() < 2 || data.size() < database.shortest_pattern) {
      Scan(database, in, id);
      return;
    }
    if (flow.buffer_scans == nullptr)
      flow.buffer_scans = std::make_unique<std::vector<BufferScanMemo>>();
    std::vector<BufferScanMemo>& memos = *flow.buffer_scans;
    auto found = std::find_if(memos.begin(), memos.end(),
                              [&](const BufferScanMemo& m) { return m.database == &database; });
    if (found == memos.end()) {
      memos.emplace_back().database = &database;
      found = memos.end() - 1;
    }
    BufferScanMemo& memo = *found;
    const bool appended = id == BufferId::kHttpRequestBody;
    const bool same = memo.tx_id == in.tx_id &&
                      (appended ? memo.scanned <= data.size()
                                : memo.data == data.data() && memo.scanned == data.size());
    if (!same) {
      memo.tx_id = in.tx_id;
      memo.data = data.data();
      memo.scanned = 0;
      memo.patterns.clear();
    }
    ++stats.prefilter_scans;
    auto add_rules = [&](uint32_t pattern) { AddPatternRules(database, pattern); };
    database.anchored.ForEachMatch(data, add_rules);
    if (data.size() > memo.scanned) {
      const size_t overlap = database.longest_matcher_pattern - 1;
      const size_t from = memo.scanned > overlap ? memo.scanned - overlap : 0;
      const size_t known = memo.patterns.size();
      database.matcher->Scan(data.subspan(from), prefilter_scratch, [&](uint32_t pattern) {
        if (std::find(memo.patterns.begin(), memo.patterns.begin() + known, pattern) ==
            memo.patterns.begin() + known) {
          memo.patterns.push_back(pattern);
        }
      });
      std::sort(memo.patterns.begin(), memo.patterns.end());
      memo.patterns.erase(std::unique(memo.patterns.begin(), memo.patterns.end()),
                          memo.patterns.end());
      memo.scanned = data.size();
    }
    for (uint32_t pattern : memo.patterns) add_rules(pattern);
  }

  // The payload chain against stream and/or packet data as Suricata chooses.
  bool PayloadMatches(const Rule& rule, const BufferChain& chain, const Inspection& in,
                      bool* in_stream) {
    const bool have_packet = in.kind == InspectionKind::kPacket && in.HasBuffer(BufferId::kPktData);
    const bool have_stream = in.HasBuffer(BufferId::kStream);
    if (!rule.RequiresPacket() && have_stream &&
        MatchChain(chain, in.Buffer(BufferId::kStream), *match_scratch)) {
      *in_stream = true;
      return true;
    }
    if (rule.only_stream || !have_packet) return false;
    if (!rule.RequiresPacket() && in.payload_in_stream) return false;  // seen via the stream
    return MatchChain(chain, in.Buffer(BufferId::kPktData), *match_scratch);
  }

  bool ChainsMatch(const Rule& rule, const Inspection& in, Alert* alert) {
    for (const BufferChain& chain : rule.chains) {
      if (chain.buffer == BufferId::kPktData) {
        bool in_stream = false;
        if (!PayloadMatches(rule, chain, in, &in_stream)) return false;
        alert->matched_in_stream = in_stream;
        alert->buffer = in_stream ? BufferId::kStream : BufferId::kPktData;
      } else {
        if (!in.HasBuffer(chain.buffer)) return false;
        if (!MatchChain(chain, in.Buffer(chain.buffer), *match_scratch)) return false;
        alert->buffer = chain.buffer;
      }
    }
    return true;
  }

  // An inspection of no flow (a packet whose transport header is broken): the groups are looked
  // up and every database is scanned, nothing is kept.
  InspectResult InspectWithoutFlow(const Inspection& in, AlertCallback& callback) {
    const CompiledRules& compiled = *rules;
    const bool ip_only_due = in.kind == InspectionKind::kPacket && !in.tx_only;
    const uint32_t to_scan = BuffersToScan(~0u, in);
    candidates.clear();
    const GroupClass proto_group = ProtoGroup(in.ip_proto);
    const GroupClass app_group = AppGroup(in.app_proto);
    const PayloadSlots payload = PayloadSlotsOf(compiled, proto_group, app_group, in.direction);
    if (app_group != kGroupClassCount) {
      CollectCandidates(compiled.groups[GroupIndex(app_group, in.direction)], nullptr,
                        kNoAddressClass, kNoHotServerPort, payload.app, in, ip_only_due, to_scan);
    }
    CollectCandidates(compiled.groups[GroupIndex(proto_group, in.direction)], nullptr,
                      kNoAddressClass, kNoHotServerPort, payload.proto, in, ip_only_due, to_scan);
    return VerifyCandidates(in, false, callback);
  }

  // Verifies the collected candidates in rule order and finalises the alerts.
  // `ip_only_done`: the flow direction's IP-only rules were inspected before this inspection.
  // Inlined: a call of its own cost ≈ 17 instructions per inspection.
  ABSL_ATTRIBUTE_ALWAYS_INLINE InspectResult VerifyCandidates(const Inspection& in,
                                                              bool ip_only_done,
                                                              AlertCallback& callback) {
    const CompiledRules& compiled = *rules;
    FlowDetectState* flow = in.flow_state;
    OrderCandidates();
    stats.candidates += candidates.size();
    queue.Clear();
    for (uint32_t index : candidates) {
      const Rule& rule = compiled.rules[index];
      if (in.tx_only && !rule.uses_app_buffers) continue;
      if (rule.ip_only && ip_only_done) continue;
      // A flush is stream data, not a packet: rules without any content to inspect are
      // packet rules and must not fire on it again.
      if (in.kind == InspectionKind::kStreamFlush && rule.chains.empty()) continue;
      if (!HeaderMatches(rule, in)) continue;
      const bool per_tx = rule.uses_app_buffers && flow != nullptr;
      if (per_tx &&
          std::find(flow->tx_alerted.begin(), flow->tx_alerted.end(),
                    std::pair<uint32_t, uint64_t>(index, in.tx_id)) != flow->tx_alerted.end()) {
        continue;
      }
      if (!FlowbitsMatch(rule, flow)) continue;
      Alert alert;
      if (!ChainsMatch(rule, in, &alert)) continue;
      ++stats.matches;
      // Flowbits are set at match time, for every matching rule, as Suricata's post-match
      // keywords are; which matches are reported is decided when the inspection is finalised.
      ApplyFlowbits(rule, flow);
      if (per_tx) {
        if (flow->tx_alerted.size() >= kMaxTxMarks) {
          flow->tx_alerted.erase(flow->tx_alerted.begin(),
                                 flow->tx_alerted.begin() + kMaxTxMarks / 2);
        }
        flow->tx_alerted.emplace_back(index, in.tx_id);
      }
      queue.Add(index, alert);
    }
    // Nearly every inspection matches nothing: then nothing is reported or decided (the flow
    // had no action when the inspection began, and only a match gives it one).
    if (queue.empty()) return InspectResult{};
    return queue.Finalize(compiled, in, flow, thresholds, stats, callback);
  }
};

DetectEngine::DetectEngine(std::shared_ptr<const CompiledRules> rules)
    : impl_(std::make_unique<Impl>()) {
  SetRules(std::move(rules));
}

DetectEngine::~DetectEngine() = default;

void DetectEngine::SetRules(std::shared_ptr<const CompiledRules> rules) {
  OTASUKE_CHECK(rules != nullptr);
  impl_->rules = std::move(rules);
  impl_->Prepare();
}

const CompiledRules& DetectEngine::rules() const { return *impl_->rules; }
const DetectStats& DetectEngine::stats() const { return impl_->stats; }

InspectResult DetectEngine::Inspect(const Inspection& in, AlertCallback& callback) {
  Impl& s = *impl_;
  const CompiledRules& compiled = *s.rules;
  ++s.stats.inspections;
  FlowDetectState* flow = in.flow_state;
  if (flow == nullptr) return s.InspectWithoutFlow(in, callback);
  if (flow->rules_identity != &compiled) flow->ResetFor(&compiled);
  if (flow->action != FlowAction::kNone) {
    // Suricata inspects a passed or dropped flow no more.
    InspectResult result;
    result.flow_passed = flow->action == FlowAction::kPass;
    result.flow_dropped = flow->action == FlowAction::kDrop;
    return result;
  }
  const size_t side = in.direction == Direction::kToServer ? 0 : 1;
  DirectionPlan& plan = flow->plans[side];
  if (!plan.Holds(in)) s.MakePlan(in, *flow, side);
  // A state is for one flow's addresses and ports (inspection.h): its plan and group caches
  // hold for them only.
  OTASUKE_DCHECK(plan.SameEndpoints(in));
  const uint8_t direction_bit = static_cast<uint8_t>(1u << side);
  const bool ip_only_done = (flow->ip_only_done & direction_bit) != 0;
  // IP-only rules have no content: the loop below would skip them on flushes and on
  // transaction-only inspections too.
  // The packet's own inspection (not a flush, not a further transaction of the packet).
  const bool packet = in.kind == InspectionKind::kPacket && !in.tx_only;
  const bool ip_only_due = !ip_only_done && packet;
  if (packet) {
    // No patternless candidate in either group: a later content-less inspection of this
    // direction finds nothing once the IP-only rules are done.
    flow->ip_only_done |= direction_bit;
    flow->contentless_quiet[side] = plan.quiet;
    flow->contentless_app[side] = in.app_proto;
  }
  const uint32_t to_scan = Impl::BuffersToScan(plan.scanned_buffers, in);
  if (to_scan == 0 && plan.quiet && !(ip_only_due && plan.has_ip_only)) {
    return InspectResult{};  // no candidate
  }
  s.candidates.clear();
  std::array<FlowGroupCache, 2>& caches = flow->groups[side];
  if (plan.has_app_group) {
    s.CollectCandidates(*caches[1].group, &caches[1], plan.address_class, plan.hot_server_port,
                        plan.app_payload_slot, in, ip_only_due, to_scan);
  }
  s.CollectCandidates(*caches[0].group, &caches[0], plan.address_class, plan.hot_server_port,
                      plan.proto_payload_slot, in, ip_only_due, to_scan);
  return s.VerifyCandidates(in, ip_only_done, callback);
}

bool DetectEngine::ContentlessInspectionCanMatch(const FlowDetectState& state, Direction direction,
                                                 AppProto app_proto) const {
  // State of another rule set is reset by the next inspection.
  if (state.rules_identity != impl_->rules.get()) return true;
  if (state.action != FlowAction::kNone) return false;  // Inspect returns at once
  const size_t side = direction == Direction::kToServer ? 0 : 1;
  return !(state.contentless_quiet[side] && state.contentless_app[side] == app_proto);
}

}  // namespace otasuke::network::detect
