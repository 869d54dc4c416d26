#pragma once
// Exact order statistics of response times: the median (the mean of the two middle values when
// the count is even) and the 90th percentile by nearest rank (the value at rank ceil(0.9 n) of
// the sorted samples, so at least 90 % of the samples are at or below it).

#include <vector>

#include "absl/time/time.h"
#include "collector/report/report_model.h"

namespace otasuke::collector::report {

// Sorts `samples` in place. Zero stats for no samples.
DurationStats Summarize(std::vector<absl::Duration>& samples);

}  // namespace otasuke::collector::report
