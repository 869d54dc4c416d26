#pragma once
// Invariant macros, Envoy style. CHECK is fatal in every build: for "can't happen" states
// where continuing would corrupt data. DCHECK is debug-only. Errors a user or peer can
// cause are never CHECKed: they are returned as absl::Status.

#include <cstdio>
#include <cstdlib>

#define OTASUKE_CHECK(cond)                                                         \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

#ifdef NDEBUG
#define OTASUKE_DCHECK(cond) \
  do {                       \
  } while (0)
#else
#define OTASUKE_DCHECK(cond) OTASUKE_CHECK(cond)
#endif
