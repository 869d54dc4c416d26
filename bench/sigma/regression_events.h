#pragma once
// The process-creation events of the SigmaHQ regression corpus (`INDEX.tsv` under
// `regression_dir`), which the Sigma benches vary into their streams. Empty when absent.

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "agent/event/event.h"
#include "agent/event/readers/event_reader.h"

namespace otasuke::bench {

inline std::vector<agent::Event> RegressionProcessEvents(const std::string& regression_dir) {
  std::vector<agent::Event> events;
  std::ifstream index(regression_dir + "/INDEX.tsv");
  std::string line;
  std::getline(index, line);  // the header
  while (std::getline(index, line)) {
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() < 6) continue;
    agent::readers::ReadStats stats;
    (void)agent::readers::ReadEventFile(
        regression_dir + "/" + cols[5],
        [&](const agent::Event& e) {
          if (e.source().category == "process_creation") events.push_back(e);
        },
        &stats);
  }
  return events;
}

}  // namespace otasuke::bench
