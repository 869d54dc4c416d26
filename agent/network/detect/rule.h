#pragma once
// The compiled form of one rule: header sets, header tests and per-buffer chains of payload
// matchers, as keywords produce them. Immutable once the rule set is built; pcre code is
// shared by all threads (each thread brings its own match data).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/network/detect/addresses.h"
#include "agent/network/detect/engine.h"
#include "agent/network/detect/inspection.h"

struct pcre2_real_code_8;

namespace otasuke::network::detect {

// "N", "<N", ">N", "<=N", ">=N", "N-M", "N<>M" (exclusive), "!N".
struct NumericTest {
  enum class Op : uint8_t { kEq, kNe, kLt, kGt, kLe, kGe, kRangeInclusive, kRangeExclusive };
  Op op = Op::kEq;
  uint64_t a = 0;
  uint64_t b = 0;
  bool Matches(uint64_t value) const;
};

struct ContentMatcher {
  std::string pattern;  // lower-cased when nocase
  bool nocase = false;
  bool negated = false;
  bool startswith = false;
  bool endswith = false;
  std::optional<int32_t> offset, depth, distance, within;
  bool relative() const { return distance.has_value() || within.has_value(); }
  // fast_pattern options
  bool fast_pattern = false;
  bool fast_pattern_only = false;
  int32_t fast_pattern_offset = -1;  // chop
  int32_t fast_pattern_length = -1;
};

struct PcreCodeDeleter {
  void operator()(pcre2_real_code_8* code) const;
};

struct PcreMatcher {
  std::shared_ptr<pcre2_real_code_8> code;
  std::string source;  // "/x/i" as written, for messages
  bool negated = false;
  bool relative = false;
  bool override_limits = false;  // O flag: no match limits
  uint32_t capture_count = 0;
};

struct ByteTestMatcher {
  uint8_t bytes = 1;
  NumericTest::Op op = NumericTest::Op::kEq;  // kEq, kLt, kGt, kLe, kGe, or bitwise and
  bool bitand_op = false;                     // '&'
  bool bitxor_op = false;                     // '^'
  bool negated = false;
  uint64_t value = 0;
  int32_t offset = 0;
  bool relative = false;
  bool little_endian = false;
  bool string = false;
  int base = 10;
  uint64_t bitmask = 0;  // 0: none
};

struct ByteJumpMatcher {
  uint8_t bytes = 1;
  int32_t offset = 0;
  bool relative = false;
  bool little_endian = false;
  bool string = false;
  int base = 10;
  uint32_t multiplier = 1;
  bool align = false;
  bool from_beginning = false;
  bool from_end = false;
  int32_t post_offset = 0;
  uint64_t bitmask = 0;
};

struct IsDataAtMatcher {
  int32_t offset = 0;
  bool relative = false;
  bool negated = false;
};

// bsize-like length check on the whole buffer.
struct BufferSizeMatcher {
  NumericTest test;
};

using PayloadMatcher = std::variant<ContentMatcher, PcreMatcher, ByteTestMatcher, ByteJumpMatcher,
                                    IsDataAtMatcher, BufferSizeMatcher>;

// Matchers in rule order for one buffer. kPktData stands for "the payload": packet data or
// reassembled stream data, as the flow keyword and Suricata's stream logic decide.
struct BufferChain {
  BufferId buffer = BufferId::kPktData;
  std::vector<PayloadMatcher> matchers;
};

enum class FlowbitOp : uint8_t { kSet, kUnset, kToggle, kIsSet, kIsNotSet };
struct FlowbitAction {
  FlowbitOp op = FlowbitOp::kSet;
  std::vector<uint32_t> bits;  // isset a|b: any; isset a&b: all (all_of)
  bool all_of = true;
};

enum class TrackBy : uint8_t { kSrc, kDst, kRule, kBoth };
struct ThresholdSpec {
  enum class Type : uint8_t { kLimit, kThreshold, kBoth, kDetectionFilter };
  Type type = Type::kLimit;
  TrackBy track = TrackBy::kSrc;
  uint32_t count = 1;
  uint32_t seconds = 60;
};

struct FlagsTest {
  enum class Mode : uint8_t { kExact, kAll, kAny, kNot };
  Mode mode = Mode::kExact;
  uint8_t flags = 0;
  uint8_t ignore = 0;
  bool Matches(uint8_t packet_flags) const;
};

// Protocol classes a rule header can name.
inline constexpr uint8_t kProtoTcp = 1, kProtoUdp = 2, kProtoIcmp4 = 4, kProtoIcmp6 = 8,
                         kProtoOther = 16, kProtoAll = 31;

// Whether a matching pass / drop rule decides the packet only or the whole flow, as Suricata 8
// decides by signature type: IP-only rules, app-layer rules (tx buffers, or an app protocol and
// nothing else) and stream-only payload rules decide the flow; payload rules that may see a
// packet or the stream decide the flow when the match was in the stream; packet rules (header
// keywords, dsize, no_stream, a flow keyword) decide the packet.
enum class ActionScope : uint8_t { kPacket, kFlow, kFlowIfStreamMatch };

struct Rule {
  RuleInfo info;
  uint32_t index = 0;  // position in the sorted rule set

  // Header.
  uint8_t proto_mask = kProtoAll;
  AppProto app_proto = AppProto::kUnknown;  // kUnknown: any
  IpSet src;
  IpSet dst;
  PortSet src_ports;
  PortSet dst_ports;
  bool bidirectional = false;

  // flow keyword.
  bool flow_established = false;
  bool flow_not_established = false;
  bool flow_to_server = false;
  bool flow_to_client = false;
  bool only_stream = false;
  bool no_stream = false;

  // Header tests.
  std::optional<NumericTest> ttl, dsize, itype, icode;
  std::optional<FlagsTest> flags;

  std::vector<FlowbitAction> flowbit_checks;
  std::vector<FlowbitAction> flowbit_actions;
  bool noalert = false;
  std::optional<ThresholdSpec> threshold;
  std::optional<ThresholdSpec> detection_filter;

  std::vector<BufferChain> chains;
  bool uses_app_buffers = false;  // alerts once per transaction
  // Suricata's "IP-only" rules (addresses, ports and meta only): inspected on the first packet
  // of each direction of a flow, and their pass/drop applies to the whole flow.
  bool ip_only = false;
  ActionScope action_scope = ActionScope::kPacket;

  // Prefilter pattern: chain index + matcher index of the chosen content, or -1 (always check).
  int fast_chain = -1;
  int fast_matcher = -1;

  bool RequiresPacket() const { return no_stream || dsize.has_value(); }
};

}  // namespace otasuke::network::detect
