#include "agent/network/detect/anchored_patterns.h"

#include <algorithm>
#include <tuple>

#include "common/check.h"
#include "common/strings.h"

namespace otasuke::network::detect {

void AnchoredPatterns::Add(uint32_t pattern, std::string_view bytes, uint32_t first_start,
                           uint32_t last_start) {
  OTASUKE_CHECK(Fits(bytes.size(), first_start, last_start));
  const std::string lower = absl::AsciiStrToLower(Sv(bytes));
  for (uint32_t start = first_start; start <= last_start; ++start) {
    entries_.push_back(
        Entry{Key(start, static_cast<uint8_t>(lower[0]), static_cast<uint8_t>(lower[1])), pattern,
              lower});
  }
}

void AnchoredPatterns::Finish() {
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.key, a.pattern) < std::tie(b.key, b.pattern);
  });
  starts_.clear();
  filter_.assign(entries_.empty() ? 0 : kFilterBits / 64, 0);
  for (const Entry& entry : entries_) {
    const uint32_t start = entry.key >> 16;
    if (starts_.empty() || starts_.back() != start) starts_.push_back(start);
    const uint32_t bit = Hash(entry.key);
    filter_[bit / 64] |= uint64_t{1} << (bit % 64);
  }
}

std::vector<AnchoredPatterns::Entry>::const_iterator AnchoredPatterns::LowerBound(
    uint32_t key) const {
  return std::lower_bound(entries_.begin(), entries_.end(), key,
                          [](const Entry& entry, uint32_t k) { return entry.key < k; });
}

}  // namespace otasuke::network::detect
