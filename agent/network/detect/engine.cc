#include "agent/network/detect/engine.h"

#include <algorithm>
#include <array>

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

  void Prepare() {
    match_scratch = std::make_unique<MatchScratch>(rules->max_pcre_captures);
    for (const RuleGroup& group : rules->groups) {
      for (size_t slot = 0; slot < RuleGroup::kDatabaseSlots; ++slot) {
        const PrefilterDatabase* database = group.DatabaseAt(slot);
        if (database == nullptr) continue;
        const PrefilterDatabase* subset = database->unestablished.get();
        for (const PrefilterDatabase* flow_state : {database, subset}) {
          if (flow_state == nullptr) continue;
          PrepareScratchFor(*flow_state);
          for (const auto& subset : flow_state->by_address_class) {
            if (subset != nullptr) PrepareScratchFor(*subset);
          }
        }
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
  void OrderCandidates() {
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

  // The group's view of this flow direction (`slot`: 0 protocol group, 1 app-layer group),
  // looked up once per flow direction and group and then kept in the flow's state; null
  // without a flow.
  FlowGroupCache* GroupCache(const RuleGroup& group, const Inspection& in, size_t slot) {
    FlowDetectState* flow = in.flow_state;
    if (flow == nullptr) return nullptr;
    FlowGroupCache& cache = flow->groups[in.direction == Direction::kToServer ? 0 : 1][slot];
    if (!cache.Holds(&group, in)) FillGroupCache(group, in, cache);
    return &cache;
  }

  // Out of line: a flow direction fills its cache once per group, and GroupCache, called for
  // every inspection, stays small enough to be inlined.
  ABSL_ATTRIBUTE_NOINLINE void FillGroupCache(const RuleGroup& group, const Inspection& in,
                                              FlowGroupCache& cache) const {
    cache.group = &group;
    cache.src = in.src;
    cache.dst = in.dst;
    cache.src_port = in.src_port;
    cache.dst_port = in.dst_port;
    cache.patternless.clear();
    ForEachPatternless(group.other, in, [&](uint32_t rule) { cache.patternless.push_back(rule); });
    std::sort(cache.patternless.begin(), cache.patternless.end());
    cache.patternless.erase(std::unique(cache.patternless.begin(), cache.patternless.end()),
                            cache.patternless.end());
    cache.reach_known = 0;
    cache.reaches = 0;
    cache.address_class = static_cast<int8_t>(rules->AddressClass(in.src, in.dst));
  }

  // `ip_only_due`: this inspection is one IP-only rules apply to (Inspect skips them on every
  // other one, so they are not collected there).
  // `payload_slot`: the database slot to scan over the payload (packet and stream data):
  // kPktData, RuleGroup::kPayloadWithTransportSlot, or kNoPayloadScan (see
  // RuleGroup::payload_with_transport).
  // Returns whether the group gave no patternless candidate from the flow's cache (false
  // without a flow).
  bool CollectCandidates(const RuleGroup& group, size_t slot, size_t payload_slot,
                         const Inspection& in, bool ip_only_due) {
    FlowGroupCache* cache = GroupCache(group, in, slot);
    const bool no_patternless = cache != nullptr && cache->patternless.empty();
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
        scanned = scanned->ForAddressClass(cache != nullptr ? cache->address_class
                                                            : rules->AddressClass(in.src, in.dst));
        if (scanned == nullptr) return;
      }
      // A transaction-only inspection evaluates app-layer rules only.
      if (in.tx_only && !scanned->has_app_buffer_rules) return;
      if (!in.HasBuffer(id) || in.Buffer(id).empty()) return;
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
    for (const BufferId id : group.database_buffers) {
      if (id != BufferId::kPktData) {
        scan_if_reached(static_cast<size_t>(id), id);
        continue;
      }
      if (payload_slot == kNoPayloadScan) continue;
      // All payload patterns over stream data, and over packet data unless the packet's
      // payload went to reassembly.
      if (!in.payload_in_stream) scan_if_reached(payload_slot, BufferId::kPktData);
      scan_if_reached(payload_slot, BufferId::kStream);
    }
    if (!in.payload_in_stream) return no_patternless;
    // Packet-only payload patterns over a packet whose payload went to reassembly, from the
    // databases whose rules' dsize can accept this payload size.
    for (size_t i = 0; i < group.packet_only.size(); ++i) {
      if (!group.packet_only[i].Accepts(in.payload_size)) continue;
      scan_if_reached(RuleGroup::kPacketOnlySlot + i, BufferId::kPktData);
    }
    return no_patternless;
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
  if (flow != nullptr && flow->rules_identity != &compiled) flow->ResetFor(&compiled);
  if (flow != nullptr && flow->action != FlowAction::kNone) {
    // Suricata inspects a passed or dropped flow no more.
    InspectResult result;
    result.flow_passed = flow->action == FlowAction::kPass;
    result.flow_dropped = flow->action == FlowAction::kDrop;
    return result;
  }
  const uint8_t direction_bit = in.direction == Direction::kToServer ? 1 : 2;
  const bool ip_only_done = flow != nullptr && (flow->ip_only_done & direction_bit) != 0;
  // IP-only rules have no content: the loop below would skip them on flushes and on
  // transaction-only inspections too.
  const bool ip_only_due = !ip_only_done && in.kind == InspectionKind::kPacket && !in.tx_only;
  s.candidates.clear();
  const GroupClass proto_group = ProtoGroup(in.ip_proto);
  const GroupClass app_group = AppGroup(in.app_proto);
  const RuleGroup& proto_rules = compiled.groups[GroupIndex(proto_group, in.direction)];
  size_t proto_payload = kOwnPayload;
  // No patternless candidate in either group: a later content-less inspection of this
  // direction finds nothing once the IP-only rules are done.
  bool quiet = true;
  if (app_group != kGroupClassCount) {
    const RuleGroup& app_rules = compiled.groups[GroupIndex(app_group, in.direction)];
    size_t app_payload = kOwnPayload;
    if (app_rules.payload_with_transport != nullptr && TransportOf(app_group) == proto_group) {
      // One scan of the payload for both groups.
      app_payload = RuleGroup::kPayloadWithTransportSlot;
      proto_payload = kNoPayloadScan;
    }
    quiet = s.CollectCandidates(app_rules, 1, app_payload, in, ip_only_due);
  }
  quiet = s.CollectCandidates(proto_rules, 0, proto_payload, in, ip_only_due) && quiet;
  s.OrderCandidates();
  s.stats.candidates += s.candidates.size();

  if (flow != nullptr && in.kind == InspectionKind::kPacket && !in.tx_only) {
    flow->ip_only_done |= direction_bit;
    const size_t side = in.direction == Direction::kToServer ? 0 : 1;
    flow->contentless_quiet[side] = quiet;
    flow->contentless_app[side] = in.app_proto;
  }
  s.queue.Clear();
  for (uint32_t index : s.candidates) {
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
    if (!s.ChainsMatch(rule, in, &alert)) continue;
    ++s.stats.matches;
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
    s.queue.Add(index, alert);
  }
  // Nearly every inspection matches nothing: then nothing is reported or decided (the flow
  // had no action when the inspection began, and only a match gives it one).
  if (s.queue.empty()) return InspectResult{};
  return s.queue.Finalize(compiled, in, flow, s.thresholds, s.stats, callback);
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
