#pragma once
// What the Sigma benches share for timing: the thread's CPU time (the machine is shared, so
// wall time would count other work) and callgrind's client requests. Under
// `valgrind --tool=callgrind --instr-atstart=no` only what a bench brackets with
// CALLGRIND_START_INSTRUMENTATION / _STOP_ is instrumented: rule compilation then runs at near
// native speed.

#include <time.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_DUMP_STATS
#endif

namespace otasuke::bench {

inline double ThreadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

}  // namespace otasuke::bench
