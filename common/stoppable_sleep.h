#pragma once
// A sleep that a std::stop_token ends early: worker threads that poll (socket dumps, reconnect
// back-off) wait one whole interval per wake-up instead of waking every few hundred
// milliseconds to look at the stop flag — on an idle host each wake-up is CPU.

#include <condition_variable>
#include <mutex>
#include <stop_token>

#include "absl/time/time.h"

namespace otasuke {

// Sleeps for `d` or until stop is requested; true if stop was requested.
inline bool SleepUnlessStopped(absl::Duration d, std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  return cv.wait_for(lock, stop, absl::ToChronoMilliseconds(d), [] { return false; }) ||
         stop.stop_requested();
}

}  // namespace otasuke
