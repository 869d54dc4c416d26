#pragma once
// Turns the agent's alert-drop counters into a meta-alert, so a drop is never silent even for
// a responder who does not read heartbeats: an Otasuke alert from the agent itself
// (engine AGENT, rule otasuke.agent.alerts_dropped) saying how many alerts were lost since the
// last one, by reason. Rate-limited: at most one per `min_interval`, whatever the drop rate,
// so the meta-alert cannot itself flood the spool it reports on.

#include <array>
#include <cstdint>

#include "absl/time/time.h"
#include "agent/pipeline/agent_counters.h"
#include "agent/pipeline/alert_sink.h"
#include "common/clock.h"

namespace otasuke::agent {

inline constexpr char kAlertsDroppedRuleId[] = "otasuke.agent.alerts_dropped";

class DropReporter {
 public:
  DropReporter(const AgentCounters& counters, AlertSink& sink, const Clock& clock,
               absl::Duration min_interval)
      : counters_(counters), sink_(sink), clock_(clock), min_interval_(min_interval) {}

  // Emits a meta-alert if alerts were dropped since the last one and `min_interval` has
  // passed. Returns whether it emitted. Call it periodically from one thread.
  bool Poll();

  // The alert reasons reported (event-source overruns are reported in heartbeats only).
  static constexpr std::array<otasuke::v1::DropReason, 7> kReasons = {
      otasuke::v1::DROP_REASON_QUEUE_FULL,        otasuke::v1::DROP_REASON_OVERSIZED,
      otasuke::v1::DROP_REASON_RATE_LIMITED,      otasuke::v1::DROP_REASON_SPOOL_EVICTED,
      otasuke::v1::DROP_REASON_SPOOL_FULL,        otasuke::v1::DROP_REASON_SPOOL_CORRUPT,
      otasuke::v1::DROP_REASON_SPOOL_WRITE_FAILED};

 private:
  const AgentCounters& counters_;
  AlertSink& sink_;
  const Clock& clock_;
  const absl::Duration min_interval_;
  std::array<uint64_t, kReasons.size()> reported_{};
  absl::Time last_emitted_ = absl::InfinitePast();
};

}  // namespace otasuke::agent
