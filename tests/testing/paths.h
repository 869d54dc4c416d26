#pragma once
// Where the tests find the source tree, the build tree and ../shared: from the environment
// ctest sets, else from the paths compiled in, so a test binary also runs by hand.

#include <cstdlib>
#include <string>

namespace otasuke::testing {

inline std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : fallback;
}
inline std::string SourceDir() { return EnvOr("OTASUKE_SOURCE_DIR", OTASUKE_TEST_SOURCE_DIR); }
inline std::string BinaryDir() { return EnvOr("OTASUKE_BINARY_DIR", OTASUKE_TEST_BINARY_DIR); }
// May not exist: tests that need it skip with a message.
inline std::string SharedDir() { return EnvOr("OTASUKE_SHARED_DIR", OTASUKE_TEST_SHARED_DIR); }

}  // namespace otasuke::testing
