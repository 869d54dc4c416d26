// Hyperscan prefilter (block mode, caseless literals, one report per pattern per scan). Compiled
// only when the build found libhs; otherwise asking for it fails with a clear error.
#include "agent/network/detect/prefilter.h"

#ifdef OTASUKE_HAVE_HYPERSCAN
#include <hs/hs.h>
#include <malloc.h>
#endif

#include "absl/strings/str_cat.h"

namespace otasuke::network::detect {

#ifdef OTASUKE_HAVE_HYPERSCAN
namespace {

class HyperscanMatcher final : public MultiPatternMatcher {
 public:
  explicit HyperscanMatcher(hs_database_t* db) : db_(db) {}
  ~HyperscanMatcher() override { hs_free_database(db_); }

  void Scan(std::span<const uint8_t> data, PrefilterScratch& scratch,
            absl::FunctionRef<void(uint32_t)> on_match) const override {
    auto callback = [](unsigned int id, unsigned long long, unsigned long long, unsigned int,
                       void* context) -> int {
      (*static_cast<absl::FunctionRef<void(uint32_t)>*>(context))(id);
      return 0;
    };
    hs_scan(db_, reinterpret_cast<const char*>(data.data()), static_cast<unsigned>(data.size()), 0,
            static_cast<hs_scratch_t*>(scratch.hyperscan), callback, &on_match);
  }

  absl::Status PrepareScratch(PrefilterScratch& scratch) const override {
    hs_scratch_t* s = static_cast<hs_scratch_t*>(scratch.hyperscan);
    if (hs_alloc_scratch(db_, &s) != HS_SUCCESS) {
      return absl::ResourceExhaustedError("hyperscan: cannot allocate scratch");
    }
    scratch.hyperscan = s;
    return absl::OkStatus();
  }

 private:
  hs_database_t* db_;
};

}  // namespace

bool HyperscanAvailable() { return true; }

void ReleaseCompilerMemory() {
  // Hyperscan's compiler leaves tens of MB of freed heap behind; hand it back to the OS so the
  // agent's resident size is the databases, not the compiler's garbage.
  malloc_trim(0);
}

absl::StatusOr<std::unique_ptr<MultiPatternMatcher>> BuildHyperscan(
    const std::vector<PrefilterPattern>& patterns) {
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (uint32_t i = 0; i < patterns.size(); ++i) {
    expressions.push_back(patterns[i].bytes.data());
    lengths.push_back(patterns[i].bytes.size());
    // Every literal is compiled caseless: candidates are verified exactly afterwards, and
    // mixing case-sensitive literals makes Hyperscan's compiler peak at >150 MB for the ET
    // Open HTTP group (about 10 MB caseless).
    flags.push_back(HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS);
    ids.push_back(i);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &db,
                           &error) != HS_SUCCESS) {
    const std::string message =
        error != nullptr && error->message != nullptr ? error->message : "?";
    hs_free_compile_error(error);
    return absl::InternalError(absl::StrCat("hyperscan compile: ", message));
  }
  return std::unique_ptr<MultiPatternMatcher>(new HyperscanMatcher(db));
}

PrefilterScratch::~PrefilterScratch() {
  if (hyperscan != nullptr) hs_free_scratch(static_cast<hs_scratch_t*>(hyperscan));
}

#else

bool HyperscanAvailable() { return false; }

void ReleaseCompilerMemory() {}

absl::StatusOr<std::unique_ptr<MultiPatternMatcher>> BuildHyperscan(
    const std::vector<PrefilterPattern>&) {
  return absl::UnimplementedError("this build has no Hyperscan (OTASUKE_USE_HYPERSCAN)");
}

PrefilterScratch::~PrefilterScratch() = default;

#endif

PrefilterKind ResolvePrefilterKind(PrefilterKind kind) {
  if (kind != PrefilterKind::kDefault) return kind;
  return HyperscanAvailable() ? PrefilterKind::kHyperscan : PrefilterKind::kAhoCorasick;
}

}  // namespace otasuke::network::detect
