#pragma once
// Word-at-a-time reads and comparisons of a field value's bytes, shared by the per-thread
// caches that key by values (scan_cache.h, event_memo.h): they run for every present field of
// every event, so they are inline and call nothing for values up to 32 bytes.

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/base/attributes.h"

namespace otasuke::agent::sigma::value_bytes {

// Unaligned loads by memcpy (one mov each).
inline uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Load4(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
// All of a value of n < 8 bytes in one word (overlapping loads: distinct values of one length
// give distinct words).
inline uint64_t LoadUpTo7(const char* p, size_t n) {
  if (n >= 4) return Load4(p) | (Load4(p + n - 4) << 32);
  if (n == 0) return 0;
  const auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(p[i])); };
  return byte(0) | (byte(n / 2) << 8) | (byte(n - 1) << 16);
}
// Byte-for-byte equality: values up to 64 bytes (most field values but command lines and
// hashes) by overlapping loads inline (16-byte SSE2 ones on x86-64: two to four per side),
// longer ones by memcmp (a call costs ≈ 35 instructions with its register saves). Always
// inline: with a second caller GCC made it a call, which cost the scan cache's lookups more
// than the comparison itself.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool SameBytes(const char* x, const char* y, size_t n) {
  if (n > 64) return std::memcmp(x, y, n) == 0;
#if defined(__SSE2__)
  if (n >= 16) {
    const auto same16 = [&](size_t at) {
      return _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + at)),
                            _mm_loadu_si128(reinterpret_cast<const __m128i*>(y + at)));
    };
    __m128i same = _mm_and_si128(same16(0), same16(n - 16));
    if (n > 32) same = _mm_and_si128(same, _mm_and_si128(same16(16), same16(n - 32)));
    return _mm_movemask_epi8(same) == 0xffff;
  }
#else
  if (n > 32) return std::memcmp(x, y, n) == 0;
  if (n >= 16) {
    return ((Load8(x) ^ Load8(y)) | (Load8(x + 8) ^ Load8(y + 8)) |
            (Load8(x + n - 16) ^ Load8(y + n - 16)) | (Load8(x + n - 8) ^ Load8(y + n - 8))) == 0;
  }
#endif
  if (n >= 8) return ((Load8(x) ^ Load8(y)) | (Load8(x + n - 8) ^ Load8(y + n - 8))) == 0;
  return LoadUpTo7(x, n) == LoadUpTo7(y, n);
}

}  // namespace otasuke::agent::sigma::value_bytes
