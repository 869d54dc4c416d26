#include "collector/report/percentiles.h"

#include <algorithm>

namespace otasuke::collector::report {

DurationStats Summarize(std::vector<absl::Duration>& samples) {
  DurationStats stats;
  stats.count = static_cast<int64_t>(samples.size());
  if (samples.empty()) return stats;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  stats.median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  // Nearest rank: ceil(0.9 n), 1-based. Integer arithmetic keeps it exact.
  const size_t rank = (9 * n + 9) / 10;
  stats.p90 = samples[rank - 1];
  return stats;
}

}  // namespace otasuke::collector::report
