#pragma once
// Verifies a rule's chain of payload matchers against one buffer, with Suricata's semantics:
// content offset/depth (absolute) and distance/within (relative to the previous match),
// negation, startswith/endswith, pcre with relative and match limits, byte_test, byte_jump,
// isdataat, bsize. When a later relative matcher fails, earlier contents are retried further
// on (as Suricata's DetectEngineContentInspection does), bounded by a step budget.

#include <cstdint>
#include <span>

#include "agent/network/detect/rule.h"

struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;
struct pcre2_real_jit_stack_8;

namespace otasuke::network::detect {

// Per-thread matching scratch; allocated once.
class MatchScratch {
 public:
  // max_captures: the largest capture count of any pcre in the rule set.
  explicit MatchScratch(uint32_t max_captures);
  ~MatchScratch();
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;

  pcre2_real_match_data_8* match_data() { return match_data_; }
  pcre2_real_match_context_8* limited_context() { return limited_; }
  pcre2_real_match_context_8* unlimited_context() { return unlimited_; }
  int budget = 0;  // remaining inspection steps of the current chain

 private:
  pcre2_real_match_data_8* match_data_ = nullptr;
  pcre2_real_match_context_8* limited_ = nullptr;
  pcre2_real_match_context_8* unlimited_ = nullptr;
  pcre2_real_jit_stack_8* jit_stack_ = nullptr;
};

bool MatchChain(const BufferChain& chain, std::span<const uint8_t> data, MatchScratch& scratch);

// First position of needle in haystack[from, to) (exact or ASCII case-insensitive; for
// nocase the needle is lower-case), or -1.
int64_t FindPattern(std::span<const uint8_t> haystack, size_t from, size_t to,
                    std::string_view needle, bool nocase);

}  // namespace otasuke::network::detect
