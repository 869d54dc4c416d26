#pragma once
// The agent's own counters, declared in one place and reported in every Heartbeat. Every
// degraded path (a dropped alert, a lost event) increments one of these.

#include <array>
#include <atomic>
#include <cstdint>

#include "otasuke/v1/agent_service.pb.h"

namespace otasuke::agent {

class AgentCounters {
 public:
  void CountEvent() { events_seen_.fetch_add(1, std::memory_order_relaxed); }
  void CountEvents(uint64_t n) { events_seen_.fetch_add(n, std::memory_order_relaxed); }
  void CountAlert() { alerts_raised_.fetch_add(1, std::memory_order_relaxed); }
  void CountDrop(otasuke::v1::DropReason reason, uint64_t n = 1) {
    drops_[Index(reason)].fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t events_seen() const { return events_seen_.load(std::memory_order_relaxed); }
  uint64_t alerts_raised() const { return alerts_raised_.load(std::memory_order_relaxed); }
  uint64_t drops(otasuke::v1::DropReason reason) const {
    return drops_[Index(reason)].load(std::memory_order_relaxed);
  }

  // Fills the counter fields of a heartbeat (drops only for reasons with a non-zero count).
  void FillHeartbeat(otasuke::v1::Heartbeat* hb) const {
    hb->set_events_seen(events_seen());
    hb->set_alerts_raised(alerts_raised());
    for (int r = otasuke::v1::DropReason_MIN; r <= otasuke::v1::DropReason_MAX; ++r) {
      const auto reason = static_cast<otasuke::v1::DropReason>(r);
      if (!otasuke::v1::DropReason_IsValid(r)) continue;
      if (uint64_t n = drops(reason); n > 0) {
        auto* d = hb->add_alerts_dropped();
        d->set_reason(reason);
        d->set_count(n);
      }
    }
  }

 private:
  static constexpr size_t kReasons = otasuke::v1::DropReason_MAX + 1;
  static size_t Index(otasuke::v1::DropReason reason) {
    const size_t i = static_cast<size_t>(reason);
    return i < kReasons ? i : 0;
  }

  std::atomic<uint64_t> events_seen_{0};
  std::atomic<uint64_t> alerts_raised_{0};
  std::array<std::atomic<uint64_t>, kReasons> drops_{};
};

}  // namespace otasuke::agent
