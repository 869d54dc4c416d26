#pragma once
// Loading Suricata rule files into an immutable CompiledRules, and the per-thread DetectEngine
// that inspects packets against it. CompiledRules is shared read-only between threads (publish
// it through common/snapshot.h on reload); each DetectEngine owns its scratch and threshold
// state and must only be used by one thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/network/detect/inspection.h"

namespace otasuke::network::detect {

// Which multi-pattern matcher builds the prefilter databases.
enum class PrefilterKind : uint8_t {
  kDefault,      // Hyperscan when built with it (OTASUKE_USE_HYPERSCAN), else Aho-Corasick
  kHyperscan,    // fails to load when Hyperscan is not built in
  kAhoCorasick,  // portable
};

// What a rule does when it matches.
enum class RuleAction : uint8_t { kAlert, kPass, kDrop, kReject };

// Suricata's `action-order`: when several rules match one packet, rules of an earlier action
// are considered first (a pass stops the alerts ordered after it; the first drop or pass that
// applies to the flow wins). Each of the four actions appears exactly once.
using ActionOrder = std::array<RuleAction, 4>;
inline constexpr ActionOrder kDefaultActionOrder = {RuleAction::kPass, RuleAction::kDrop,
                                                    RuleAction::kReject, RuleAction::kAlert};

struct LoadOptions {
  // Rule files, or directories whose *.rules files are loaded in name order.
  std::vector<std::string> rule_paths;
  // In-memory rule texts (e.g. a rule set pushed over the network): {source name, text}.
  // The source name takes the place of the file name in errors.
  std::vector<std::pair<std::string, std::string>> rule_texts;
  // YAML with a `vars:` section (address-groups, port-groups); may be a whole suricata.yaml.
  // Empty: no variables defined. vars_yaml_text is used instead when non-empty.
  std::string vars_path;
  std::string vars_yaml_text;
  // classification.config. Empty: none; classtypes are then accepted with priority 3 and no
  // category. With a file, an unknown classtype skips the rule as Suricata does.
  std::string classification_path;
  // Any skipped rule makes LoadRules fail.
  bool strict = false;
  // IPS mode: drop/reject alerts report action "blocked". IDS (default): "allowed".
  bool ips_mode = false;
  // Unset: the `action-order:` of the vars document when it has one, else the default.
  std::optional<ActionOrder> action_order;
  PrefilterKind prefilter = PrefilterKind::kDefault;
};

// One rule that did not load (or a file that could not be read), with where and why.
struct LoadError {
  std::string file;
  int line = 0;              // 1-based; 0 when the error concerns the whole file
  uint32_t sid = 0;          // 0 when the rule's sid could not be read
  std::string reason;        // "unsupported keyword 'X'", "parse error at column 12: ..."
  std::string reason_class;  // grouping key for the summary: "unsupported keyword 'X'", ...
  // "file:line: sid N: reason"
  std::string ToString() const;
};

struct LoadReport {
  size_t loaded = 0;
  size_t skipped = 0;
  std::map<std::string, size_t> skipped_by_reason;  // reason_class -> count
  std::vector<LoadError> errors;
  double load_seconds = 0;
  // "loaded N rules, skipped M (K unsupported keyword 'x', ...)"
  std::string Summary() const;
};

enum class AlertTarget : uint8_t { kNone, kSrcIp, kDestIp };
// Where a reject rule sends its reset / ICMP error: reject and rejectsrc to the packet's
// source (EVE "to_client"), rejectdst to its destination, rejectboth to both.
enum class RejectTarget : uint8_t { kNone, kToClient, kToServer, kBoth };

struct RuleInfo {
  uint32_t sid = 0;
  uint32_t gid = 1;
  uint32_t rev = 0;
  RuleAction action = RuleAction::kAlert;
  RejectTarget reject_target = RejectTarget::kNone;  // reject rules only
  std::string msg;
  std::string classtype;  // short name, "trojan-activity"
  std::string category;   // classification description, "A Network Trojan was detected"
  int priority = 3;       // severity in EVE
  std::vector<std::pair<std::string, std::string>> metadata;  // key, value
  std::vector<std::string> references;                        // "url,example.com/x"
  AlertTarget target = AlertTarget::kNone;
  std::string source_file;
  int source_line = 0;
  std::string text;  // the rule as written
};

// The loaded, compiled rule set. Immutable and thread-safe once built.
class CompiledRules;

struct LoadedRules {
  std::shared_ptr<const CompiledRules> rules;
  LoadReport report;
};

// Loads rule files and texts. Bad rules are skipped and reported; the call fails only for
// unreadable inputs given explicitly (a rule path, the vars or classification file), for a
// database that cannot be compiled, or with options.strict when any rule was skipped.
absl::StatusOr<LoadedRules> LoadRules(const LoadOptions& options);

size_t RuleCount(const CompiledRules& rules);
const RuleInfo& RuleAt(const CompiledRules& rules, size_t index);
// The matcher actually used for the prefilter ("hyperscan" / "aho-corasick").
std::string_view PrefilterName(const CompiledRules& rules);

// Suricata's EVE `verdict`: what the engine decided for the packet once every rule that
// matched it was weighed in action order. kDrop only in IPS mode; a pass that applied to the
// packet (or to its flow) gives kPass.
enum class VerdictAction : uint8_t { kAlert, kPass, kDrop };
struct PacketVerdict {
  VerdictAction action = VerdictAction::kAlert;
  RejectTarget reject = RejectTarget::kNone;  // a reject rule applied to the packet
};
std::string_view VerdictActionName(VerdictAction action);
std::string_view RejectTargetName(RejectTarget target);  // "to_client", "to_server", "both"

struct Alert {
  const RuleInfo* rule = nullptr;
  // EVE alert.action: "allowed" for alert, and for drop/reject in IDS mode; "blocked" for
  // drop/reject in IPS mode. pass rules never alert.
  std::string_view action;
  BufferId buffer = BufferId::kPktData;  // the buffer the rule's last content matched in
  bool matched_in_stream = false;        // the payload match was in reassembled stream data
  PacketVerdict verdict;
};

class AlertCallback {
 public:
  virtual ~AlertCallback() = default;
  virtual void OnAlert(const Alert& alert) = 0;
};

// Alerts are finalised per inspection as Suricata's PacketAlertFinalize does: matches in
// action order, thresholds applied, a drop or pass applied to the packet unless a conflicting
// one already was, to the flow when the rule's scope is the flow (first flow action wins), and
// nothing after a pass is reported.
struct InspectResult {
  size_t alerts = 0;
  // A pass rule applied: later matches of this inspection were not reported.
  bool passed = false;
  // The flow is passed or dropped (now or earlier): later inspections of it return at once.
  bool flow_passed = false;
  bool flow_dropped = false;
};

struct DetectStats {
  uint64_t inspections = 0;
  uint64_t candidates = 0;       // rules verified after the prefilter
  uint64_t prefilter_scans = 0;  // database scans of a non-empty buffer
  uint64_t matches = 0;          // rules that matched (before thresholds / noalert)
  uint64_t alerts = 0;
  uint64_t suppressed = 0;  // matches held back by threshold / detection_filter
};

// Per-thread inspector. Allocates its scratch once; Inspect() allocates only when threshold
// tracking meets a new key.
class DetectEngine {
 public:
  explicit DetectEngine(std::shared_ptr<const CompiledRules> rules);
  ~DetectEngine();
  DetectEngine(const DetectEngine&) = delete;
  DetectEngine& operator=(const DetectEngine&) = delete;

  // Switches to a newly published rule set (scratch is rebuilt; threshold state is dropped).
  void SetRules(std::shared_ptr<const CompiledRules> rules);
  const CompiledRules& rules() const;

  InspectResult Inspect(const Inspection& inspection, AlertCallback& callback);

  // Whether an inspection of the flow direction that carries no content (no payload buffer,
  // no stream data, no app-layer transaction) could match anything. False once the flow is
  // passed or dropped, or once an inspection of the direction found that no rule without a
  // prefilter pattern meets its addresses and ports (in its protocol group and, with the same
  // app protocol, its app-layer group) and its IP-only rules were inspected: such an
  // inspection finds no candidate, so the packet path skips building it.
  bool ContentlessInspectionCanMatch(const FlowDetectState& state, Direction direction,
                                     AppProto app_proto) const;
  const DetectStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otasuke::network::detect
