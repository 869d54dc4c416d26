#pragma once
// FlowDetectState: detection state a flow carries between inspections. Bit ids and rule
// indexes belong to one CompiledRules; when the engine meets state written under another rule
// set (after a reload) it clears it, so a reload forgets flowbits of live flows.

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "agent/network/detect/inspection.h"

namespace otasuke::network::detect {

// A pass or drop that applies to the whole flow; the first one set wins.
enum class FlowAction : uint8_t { kNone, kPass, kDrop };

struct RuleGroup;

// What one rule group offers one direction of a flow: its patternless candidates (address
// index, port index, rules always checked) and the databases whose rules' headers can match.
// Both depend only on the group and on the addresses and ports, which a flow direction keeps,
// so they are looked up once instead of on every packet.
struct FlowGroupCache {
  const RuleGroup* group = nullptr;   // the group they came from; null: not looked up yet
  std::vector<uint32_t> patternless;  // sorted, unique
  // Bit i of `reach_known`: whether RuleGroup::DatabaseAt(i) can yield a match is decided,
  // in bit i of `reaches`. Decided when the database is first to be scanned for the flow.
  uint32_t reach_known = 0;
  uint32_t reaches = 0;

  // Whether database `slot` can yield a match; `decide()` answers the first time.
  template <typename F>
  bool Reaches(size_t slot, F&& decide) {
    const uint32_t bit = 1u << slot;
    if ((reach_known & bit) == 0) {
      reach_known |= bit;
      if (decide()) reaches |= bit;
    }
    return (reaches & bit) != 0;
  }
};

// Two addresses as two word compares (std::array's == calls memcmp).
inline bool SameAddress(const IpAddress& a, const IpAddress& b) {
  uint64_t a_words[2], b_words[2];
  std::memcpy(a_words, a.bytes.data(), sizeof(a_words));
  std::memcpy(b_words, b.bytes.data(), sizeof(b_words));
  return a.family == b.family && ((a_words[0] ^ b_words[0]) | (a_words[1] ^ b_words[1])) == 0;
}

// How the inspections of one flow direction are made, derived on the direction's first
// inspection and kept while its app protocol stays (a state is for one flow's addresses and
// ports, inspection.h; debug builds check that the inspection's are the plan's): the groups (their
// FlowGroupCache in FlowDetectState::groups), which database slot scans the payload in each,
// the address class, and whether an inspection can find a candidate without a scan. Every
// inspection derived these again, and an inspection with nothing to scan and no patternless
// rule meeting the direction now returns before collecting candidates (docs/NETWORK.md, D16).
struct DirectionPlan {
  // The direction's addresses and ports, for the debug check only: comparing them on every
  // inspection cost ≈ 25 instructions (docs/NETWORK.md, ninth round).
  IpAddress src;
  IpAddress dst;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  // The app protocol (AppProto as a byte), kNoPlan: none derived yet.
  static constexpr uint8_t kNoPlan = 0xff;
  uint8_t app_proto = kNoPlan;

  bool has_app_group = false;  // groups[direction][1] is the app-layer group's cache
  // Neither group has a patternless rule meeting the direction's addresses and ports.
  bool quiet = false;
  bool has_ip_only = false;  // either group has IP-only rules
  // The address class (CompiledRules::AddressClass), which picks a database's subset.
  int8_t address_class = -1;
  // The server port's index among the hot ones (CompiledRules::HotServerPort), which picks a
  // database's subset after the class.
  uint8_t hot_server_port = 0xff;
  // The database slot scanned over the payload in the protocol / app-layer group (see
  // DetectEngine's CollectCandidates).
  uint8_t proto_payload_slot = 0;
  uint8_t app_payload_slot = 0;
  // Bits (1 << BufferId) of the buffers some database of the groups scans: an inspection whose
  // present buffers among them are all empty scans nothing.
  uint32_t scanned_buffers = 0;

  bool SameEndpoints(const Inspection& in) const {
    return src_port == in.src_port && dst_port == in.dst_port && SameAddress(src, in.src) &&
           SameAddress(dst, in.dst);
  }
  bool Holds(const Inspection& in) const { return app_proto == static_cast<uint8_t>(in.app_proto); }
};

// The patterns a database found in an app-layer buffer of one transaction, so the next
// inspection of the transaction does not scan those bytes again (the same candidates as a scan
// of the whole buffer):
// - an append-only buffer (the HTTP request body grows packet by packet up to its limit) is
//   scanned only from the longest pattern's length before the old end;
// - a buffer the packet path sets once per transaction (BufferSetOncePerTransaction: the URI,
//   the header block, header values) is not scanned again while its view is the same (every
//   response packet of a transaction inspected its request's URI and user agent again).
struct BufferScanMemo {
  const void* database = nullptr;  // the PrefilterDatabase
  uint64_t tx_id = 0;
  const uint8_t* data = nullptr;   // the view scanned (a buffer set once per transaction)
  size_t scanned = 0;              // bytes of the buffer scanned so far
  std::vector<uint32_t> patterns;  // matcher patterns found in them, unique
};

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
  // Per direction (to server, to client): the protocol group's and the app-layer group's.
  std::array<std::array<FlowGroupCache, 2>, 2> groups;
  std::array<DirectionPlan, 2> plans;  // per direction
  // Per direction: set when an inspection of this direction with no content (no payload,
  // stream data or transaction) can find no candidate while the app protocol is
  // `contentless_app` (IP-only rules done, no patternless rule meets the direction's
  // addresses and ports in its groups). See DetectEngine::ContentlessInspectionCanMatch.
  std::array<bool, 2> contentless_quiet = {false, false};
  std::array<AppProto, 2> contentless_app = {AppProto::kUnknown, AppProto::kUnknown};
  // One per database that scanned an app-layer buffer of the flow; made when the first is
  // scanned: most flows have none.
  std::unique_ptr<std::vector<BufferScanMemo>> buffer_scans;

  void ResetFor(const void* identity) {
    rules_identity = identity;
    flowbits.clear();
    tx_alerted.clear();
    ip_only_done = 0;
    contentless_quiet = {false, false};
    buffer_scans.reset();
    for (auto& direction : groups) {
      for (FlowGroupCache& cache : direction) cache.group = nullptr;
    }
    for (DirectionPlan& plan : plans) plan.app_proto = DirectionPlan::kNoPlan;
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
