#include "agent/network/detect/threshold.h"

namespace otasuke::network::detect {

void ThresholdTracker::PruneOlderThan(int64_t now_us) {
  absl::erase_if(entries_, [now_us](const auto& entry) {
    return now_us - entry.second.window_start_us > entry.second.window_us;
  });
  prune_at_ = std::max<size_t>(4096, entries_.size() * 2);
}

bool ThresholdTracker::Allow(const Rule& rule, const ThresholdSpec& spec,
                             const Inspection& inspection) {
  Key key{rule.index, static_cast<uint8_t>(spec.type), {}, {}};
  switch (spec.track) {
    case TrackBy::kSrc:
      key.a = inspection.src;
      break;
    case TrackBy::kDst:
      key.a = inspection.dst;
      break;
    case TrackBy::kBoth:
      key.a = inspection.src;
      key.b = inspection.dst;
      break;
    case TrackBy::kRule:
      break;
  }
  const int64_t now = inspection.timestamp_us;
  const int64_t window = int64_t{spec.seconds} * 1'000'000;
  if (entries_.size() >= prune_at_) PruneOlderThan(now);
  auto [it, inserted] = entries_.try_emplace(key, Entry{now, window, 0});
  Entry& entry = it->second;
  if (!inserted && now - entry.window_start_us > window) {
    entry.window_start_us = now;
    entry.count = 0;
  }
  ++entry.count;
  switch (spec.type) {
    case ThresholdSpec::Type::kLimit:
      return entry.count <= spec.count;
    case ThresholdSpec::Type::kThreshold:
      if (entry.count >= spec.count) {
        entry.count = 0;
        return true;
      }
      return false;
    case ThresholdSpec::Type::kBoth:
      return entry.count == spec.count;
    case ThresholdSpec::Type::kDetectionFilter:
      return entry.count > spec.count;
  }
  return false;
}

}  // namespace otasuke::network::detect
