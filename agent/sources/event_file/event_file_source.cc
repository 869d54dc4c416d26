#include "agent/sources/event_file/event_file_source.h"

#include <condition_variable>
#include <mutex>

#include "agent/event/readers/event_reader.h"
#include "agent/state/agent_state.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace otasuke::agent {

absl::Status EventFileSource::Open() {
  ASSIGN_OR_RETURN(content_, ReadFile(path_));
  return absl::OkStatus();
}

absl::Status EventFileSource::Run(EventHandler& handler, std::stop_token stop) {
  readers::ReadStats stats;
  absl::Status read = readers::ReadEvents(
      content_, path_,
      [&](const Event& event) {
        if (stop.stop_requested()) return;
        handler.OnEvent(event);
        events_.fetch_add(1, std::memory_order_relaxed);
      },
      &stats);
  content_.clear();
  content_.shrink_to_fit();
  if (!read.ok()) return read;
  for (const std::string& error : stats.errors) LOG_WARN("%s", error);
  LOG_INFO("events file %s replayed: %d events, %d unreadable records", path_, events_.load(),
           stats.bad_records);
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait(lock, stop, [] { return false; });
  return absl::OkStatus();
}

SourceStats EventFileSource::stats() const {
  return SourceStats{.events = events_.load(std::memory_order_relaxed)};
}

}  // namespace otasuke::agent
