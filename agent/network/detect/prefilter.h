#pragma once
// Multi-pattern prefilter: one database per (rule group, buffer) holding the fast patterns of
// the group's rules. A hit makes a rule a candidate for full verification. Two matchers give
// the same hits: Hyperscan (x86, when built in) and a portable Aho-Corasick automaton.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "agent/network/detect/engine.h"

namespace otasuke::network::detect {

struct PrefilterPattern {
  std::string bytes;  // lower-cased when nocase
  bool nocase = false;
};

class PrefilterScratch;

class MultiPatternMatcher {
 public:
  virtual ~MultiPatternMatcher() = default;
  // Calls on_match with the index of every pattern found in data (an index may repeat).
  virtual void Scan(std::span<const uint8_t> data, PrefilterScratch& scratch,
                    absl::FunctionRef<void(uint32_t)> on_match) const = 0;
  // Makes scratch big enough for this database (Hyperscan scratch; no-op otherwise).
  virtual absl::Status PrepareScratch(PrefilterScratch& scratch) const = 0;
};

// Per-thread scratch for all databases of a rule set.
class PrefilterScratch {
 public:
  PrefilterScratch() = default;
  ~PrefilterScratch();
  PrefilterScratch(const PrefilterScratch&) = delete;
  PrefilterScratch& operator=(const PrefilterScratch&) = delete;
  void* hyperscan = nullptr;  // hs_scratch_t*
};

bool HyperscanAvailable();
// Returns freed compiler heap to the OS after building databases.
void ReleaseCompilerMemory();
// kDefault resolves to Hyperscan when available.
PrefilterKind ResolvePrefilterKind(PrefilterKind kind);

absl::StatusOr<std::unique_ptr<MultiPatternMatcher>> BuildAhoCorasick(
    const std::vector<PrefilterPattern>& patterns);
absl::StatusOr<std::unique_ptr<MultiPatternMatcher>> BuildHyperscan(
    const std::vector<PrefilterPattern>& patterns);

}  // namespace otasuke::network::detect
