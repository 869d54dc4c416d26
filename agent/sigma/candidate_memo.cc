#include "agent/sigma/candidate_memo.h"

#include <algorithm>
#include <bit>

namespace otasuke::agent::sigma {

CandidateMemo::CandidateMemo(uint32_t entries) : sets_((entries + kWays - 1) / kWays) {}

void CandidateMemo::Reset() {
  for (Slot& slot : slots_) slot.valid = false;
  lookups_ = hits_ = 0;
}

uint64_t CandidateMemo::Hash(uint32_t bucket, std::span<const uint64_t> key) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
  uint64_t h = (bucket + 1) * kMul;
  for (const uint64_t serial : key) h = (std::rotl(h, 23) ^ serial) * kMul;
  h ^= h >> 33;  // murmur3's final mix: every input bit reaches the high bits SetOf uses
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

bool CandidateMemo::Find(uint32_t bucket, std::span<const uint64_t> key, uint64_t hash,
                         std::span<const uint32_t>* candidates) {
  ++lookups_;
  if (slots_.empty()) return false;
  const size_t first = SetOf(hash) * kWays;
  for (size_t s = first; s < first + kWays; ++s) {
    const Slot& slot = slots_[s];
    if (!slot.valid || slot.hash != hash || slot.bucket != bucket || slot.fields != key.size() ||
        !std::equal(key.begin(), key.end(), slot.key.begin())) {
      continue;
    }
    ++hits_;
    *candidates = std::span<const uint32_t>(slot.candidates.data(), slot.candidate_count);
    return true;
  }
  return false;
}

void CandidateMemo::Insert(uint32_t bucket, std::span<const uint64_t> key, uint64_t hash,
                           std::span<const uint32_t> candidates) {
  if (!enabled() || key.size() > kMaxFields || candidates.size() > kMaxCandidates) return;
  if (slots_.empty()) {  // the first insert: the whole table, once
    slots_.resize(sets_ * kWays);
    hands_.assign(sets_, 0);
  }
  const size_t set = SetOf(hash);
  Slot& slot = slots_[set * kWays + hands_[set]];
  hands_[set] = static_cast<uint8_t>((hands_[set] + 1) % kWays);
  slot.hash = hash;
  slot.bucket = bucket;
  slot.fields = static_cast<uint8_t>(key.size());
  slot.candidate_count = static_cast<uint8_t>(candidates.size());
  slot.valid = true;
  std::copy(key.begin(), key.end(), slot.key.begin());
  std::copy(candidates.begin(), candidates.end(), slot.candidates.begin());
}

}  // namespace otasuke::agent::sigma
