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
#include <type_traits>
#include <vector>

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
  // A template, so that the caller's callback is inlined into what Hyperscan calls (one
  // indirect call per match) and into the automaton's walk (none).
  template <typename F>
  void Scan(std::string_view text, LiteralScratch& scratch, F&& on_match) const {
    if (hyperscan_ != nullptr) {
      ScanHyperscan(text, scratch, &Deliver<std::remove_reference_t<F>>,
                    const_cast<void*>(static_cast<const void*>(&on_match)));
      return;
    }
    automaton_.Scan(text, on_match);
  }

  Backend backend() const { return hyperscan_ ? Backend::kHyperscan : Backend::kAhoCorasick; }
  size_t memory_bytes() const;
  size_t state_count() const { return automaton_.state_count(); }

 private:
  // Hyperscan's match_event_handler.
  using MatchHandler = int (*)(unsigned id, unsigned long long from, unsigned long long to,
                               unsigned flags, void* context);
  template <typename F>
  static int Deliver(unsigned id, unsigned long long, unsigned long long to, unsigned,
                     void* on_match) {
    (*static_cast<F*>(on_match))(static_cast<uint32_t>(id), static_cast<size_t>(to));
    return 0;  // go on scanning
  }
  void ScanHyperscan(std::string_view text, LiteralScratch& scratch, MatchHandler handler,
                     void* on_match) const;

  AhoCorasick automaton_;  // when no Hyperscan database
  std::shared_ptr<const HyperscanLiterals> hyperscan_;
};

}  // namespace otasuke::agent::sigma
