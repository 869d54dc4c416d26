#pragma once
// A set of literals searched in one pass over a text: Hyperscan when the build has it (x86),
// else the portable Aho-Corasick automaton. Both report the same set of pattern ids for a
// text (each id at least once); callers dedupe. Patterns are ASCII-lowercase and match the
// text in any case (ASCII folding, as the rest of the engine), so texts are scanned as they are.
// The compiled form is immutable and shared; scanning needs a per-thread LiteralScratch.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "agent/sigma/aho_corasick.h"

namespace otasuke::agent::sigma {

struct HyperscanLiterals;  // hs_database_t, defined only where Hyperscan is built in

// Per-thread scan state (Hyperscan scratch), grown for every scanner it is used with.
class LiteralScratch {
 public:
  LiteralScratch() = default;
  ~LiteralScratch();
  LiteralScratch(const LiteralScratch&) = delete;
  LiteralScratch& operator=(const LiteralScratch&) = delete;
  void* hyperscan = nullptr;  // hs_scratch_t*
};

class LiteralScanner {
 public:
  enum class Backend : uint8_t { kAhoCorasick, kHyperscan };

  static bool HyperscanBuiltIn();
  // Falls back to Aho-Corasick when Hyperscan is unavailable or refuses the patterns.
  static LiteralScanner Build(const std::vector<std::string>& patterns, bool prefer_hyperscan);

  // Makes scratch usable with this scanner; call once per rule set and thread.
  void Prepare(LiteralScratch& scratch) const;
  // on_match(pattern_id, end): `end` is the offset just past the occurrence. Every
  // occurrence is reported (no single-match mode), so callers can check where it lies.
  void Scan(std::string_view text, LiteralScratch& scratch,
            absl::FunctionRef<void(uint32_t, size_t)> on_match) const;

  Backend backend() const { return hyperscan_ ? Backend::kHyperscan : Backend::kAhoCorasick; }
  size_t memory_bytes() const;
  size_t state_count() const { return automaton_.state_count(); }

 private:
  AhoCorasick automaton_;  // when no Hyperscan database
  std::shared_ptr<const HyperscanLiterals> hyperscan_;
};

}  // namespace otasuke::agent::sigma
