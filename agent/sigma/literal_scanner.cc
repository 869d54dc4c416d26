#include "agent/sigma/literal_scanner.h"

#include "common/check.h"

#ifdef OTASUKE_SIGMA_HYPERSCAN
#include <hs/hs.h>
#endif

namespace otasuke::agent::sigma {

#ifdef OTASUKE_SIGMA_HYPERSCAN
struct HyperscanLiterals {
  hs_database_t* db = nullptr;
  ~HyperscanLiterals() { hs_free_database(db); }
};
#else
struct HyperscanLiterals {};
#endif

LiteralScratch::~LiteralScratch() {
#ifdef OTASUKE_SIGMA_HYPERSCAN
  if (hyperscan != nullptr) hs_free_scratch(static_cast<hs_scratch_t*>(hyperscan));
#endif
}

bool LiteralScanner::HyperscanBuiltIn() {
#ifdef OTASUKE_SIGMA_HYPERSCAN
  return hs_valid_platform() == HS_SUCCESS;
#else
  return false;
#endif
}

LiteralScanner LiteralScanner::Build(const std::vector<std::string>& patterns,
                                     bool prefer_hyperscan) {
  LiteralScanner s;
#ifdef OTASUKE_SIGMA_HYPERSCAN
  // Small sets stay with the automaton: it fits in cache and has no per-call setup, which
  // for a few hundred patterns costs more than Hyperscan saves (`ParentCommandLine`'s 155:
  // SIGMA.md, "The cache-miss scan").
  constexpr size_t kHyperscanMinPatterns = 256;
  if (prefer_hyperscan && HyperscanBuiltIn() && patterns.size() >= kHyperscanMinPatterns) {
    std::vector<const char*> exprs;
    std::vector<size_t> lens;
    std::vector<unsigned> flags(patterns.size(), HS_FLAG_CASELESS);  // ASCII folding
    std::vector<unsigned> ids;
    for (unsigned i = 0; i < patterns.size(); ++i) {
      exprs.push_back(patterns[i].data());
      lens.push_back(patterns[i].size());
      ids.push_back(i);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                             static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &db,
                             &error) == HS_SUCCESS) {
      auto lits = std::make_shared<HyperscanLiterals>();
      lits->db = db;
      s.hyperscan_ = std::move(lits);
      return s;
    }
    hs_free_compile_error(error);  // fall back to the automaton
  }
#endif
  s.automaton_ = AhoCorasick::Build(patterns);
  return s;
}

void LiteralScanner::Prepare(LiteralScratch& scratch) const {
#ifdef OTASUKE_SIGMA_HYPERSCAN
  if (hyperscan_) {
    auto* hs = static_cast<hs_scratch_t*>(scratch.hyperscan);
    // Only allocation failure makes this fail; scanning without scratch would miss matches.
    OTASUKE_CHECK(hs_alloc_scratch(hyperscan_->db, &hs) == HS_SUCCESS);
    scratch.hyperscan = hs;
  }
#endif
}

void LiteralScanner::ScanHyperscan(std::string_view text, LiteralScratch& scratch,
                                   MatchHandler handler, void* on_match) const {
#ifdef OTASUKE_SIGMA_HYPERSCAN
  hs_scan(hyperscan_->db, text.data(), static_cast<unsigned>(text.size()), 0,
          static_cast<hs_scratch_t*>(scratch.hyperscan), handler, on_match);
#else
  (void)text, (void)scratch, (void)handler, (void)on_match;  // no database without Hyperscan
#endif
}

size_t LiteralScanner::memory_bytes() const {
#ifdef OTASUKE_SIGMA_HYPERSCAN
  if (hyperscan_) {
    size_t size = 0;
    hs_database_size(hyperscan_->db, &size);
    return size;
  }
#endif
  return automaton_.memory_bytes();
}

}  // namespace otasuke::agent::sigma
