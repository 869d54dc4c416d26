#include "agent/network/detect/payload_match.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include <algorithm>

namespace otasuke::network::detect {
namespace {

// Suricata's defaults: detect.inspection-recursion-limit and pcre match/recursion limits.
constexpr int kInspectionBudget = 3000;
constexpr uint32_t kPcreMatchLimit = 3500;
constexpr uint32_t kPcreDepthLimit = 1500;

inline uint8_t Lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// Reads bytes as a number (binary big/little endian, or ASCII in base).
bool ExtractNumber(std::span<const uint8_t> data, int64_t pos, uint8_t bytes, bool little_endian,
                   bool string, int base, uint64_t bitmask, uint64_t* out) {
  if (pos < 0 || pos + bytes > static_cast<int64_t>(data.size())) return false;
  uint64_t value = 0;
  if (string) {
    bool any = false;
    for (int i = 0; i < bytes; ++i) {
      const uint8_t c = data[pos + i];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (base == 16 && Lower(c) >= 'a' && Lower(c) <= 'f') {
        digit = Lower(c) - 'a' + 10;
      } else {
        break;  // strtoul semantics: stop at the first non-digit
      }
      if (digit >= base) break;
      value = value * base + digit;
      any = true;
    }
    if (!any) return false;
  } else if (little_endian) {
    for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | data[pos + i];
  } else {
    for (int i = 0; i < bytes; ++i) value = (value << 8) | data[pos + i];
  }
  if (bitmask != 0) {
    value &= bitmask;
    value >>= __builtin_ctzll(bitmask);
  }
  *out = value;
  return true;
}

bool ByteTest(const ByteTestMatcher& m, std::span<const uint8_t> data, int64_t cursor) {
  uint64_t value = 0;
  const int64_t pos = (m.relative ? cursor : 0) + m.offset;
  if (!ExtractNumber(data, pos, m.bytes, m.little_endian, m.string, m.base, m.bitmask, &value)) {
    return false;
  }
  bool result;
  if (m.bitand_op) {
    result = (value & m.value) != 0;
  } else if (m.bitxor_op) {
    result = (value ^ m.value) != 0;
  } else {
    result = NumericTest{m.op, m.value, 0}.Matches(value);
  }
  return result != m.negated;
}

bool ByteJump(const ByteJumpMatcher& m, std::span<const uint8_t> data, int64_t* cursor) {
  uint64_t value = 0;
  const int64_t pos = (m.relative ? *cursor : 0) + m.offset;
  if (!ExtractNumber(data, pos, m.bytes, m.little_endian, m.string, m.base, m.bitmask, &value)) {
    return false;
  }
  int64_t jump = static_cast<int64_t>(value) * m.multiplier;
  if (m.align && (jump % 4) != 0) jump += 4 - (jump % 4);
  int64_t target;
  if (m.from_beginning) {
    target = jump;
  } else if (m.from_end) {
    target = static_cast<int64_t>(data.size()) + jump;
  } else {
    target = pos + m.bytes + jump;
  }
  target += m.post_offset;
  if (target < 0 || target > static_cast<int64_t>(data.size())) return false;
  *cursor = target;
  return true;
}

bool MatchFrom(const BufferChain& chain, size_t index, std::span<const uint8_t> data,
               int64_t cursor, MatchScratch& scratch);

// Content: finds the window, searches, and on a later relative failure retries further on.
bool MatchContent(const BufferChain& chain, size_t index, const ContentMatcher& c,
                  std::span<const uint8_t> data, int64_t cursor, MatchScratch& scratch) {
  const int64_t size = static_cast<int64_t>(data.size());
  const int64_t length = static_cast<int64_t>(c.pattern.size());
  int64_t start;
  int64_t end = size;
  if (c.relative()) {
    const int64_t distance = c.distance.value_or(0);
    start = std::max<int64_t>(0, cursor + distance);
    if (c.within) end = std::min(end, cursor + distance + *c.within);
  } else {
    start = c.offset.value_or(0);
    if (c.depth) end = std::min(end, start + *c.depth);
    if (c.startswith) end = std::min(end, length);
  }
  const bool next_is_relative = [&] {
    if (index + 1 >= chain.matchers.size()) return false;
    const auto& next = chain.matchers[index + 1];
    if (const auto* n = std::get_if<ContentMatcher>(&next)) return n->relative();
    if (const auto* n = std::get_if<PcreMatcher>(&next)) return n->relative;
    if (const auto* n = std::get_if<ByteTestMatcher>(&next)) return n->relative;
    if (const auto* n = std::get_if<ByteJumpMatcher>(&next)) return n->relative;
    if (const auto* n = std::get_if<IsDataAtMatcher>(&next)) return n->relative;
    return false;
  }();
  while (true) {
    if (--scratch.budget < 0) return false;
    int64_t found = -1;
    if (start >= 0 && start + length <= end) {
      if (c.endswith) {
        // Only a match that ends the buffer counts.
        const int64_t at = size - length;
        if (at >= start && at + length <= end &&
            FindPattern(data, at, at + length, c.pattern, c.nocase) == at) {
          found = at;
        }
      } else {
        found = FindPattern(data, start, end, c.pattern, c.nocase);
      }
    }
    if (c.negated) {
      return found < 0 && MatchFrom(chain, index + 1, data, cursor, scratch);
    }
    if (found < 0) return false;
    if (MatchFrom(chain, index + 1, data, found + length, scratch)) return true;
    if (!next_is_relative) return false;  // the rest does not depend on where we matched
    start = found + 1;
  }
}

bool MatchPcre(const BufferChain& chain, size_t index, const PcreMatcher& p,
               std::span<const uint8_t> data, int64_t cursor, MatchScratch& scratch) {
  // As in Suricata, a relative regex's subject starts at the previous match, so '^' anchors
  // there; retries after a later failure move the start offset within that subject.
  const PCRE2_SIZE base = p.relative ? static_cast<PCRE2_SIZE>(std::max<int64_t>(cursor, 0)) : 0;
  if (base > data.size()) return p.negated && MatchFrom(chain, index + 1, data, cursor, scratch);
  const uint8_t* subject = data.data() + base;
  const PCRE2_SIZE length = data.size() - base;
  PCRE2_SIZE from = 0;
  while (true) {
    if (--scratch.budget < 0) return false;
    const int rc =
        pcre2_match(p.code.get(), subject, length, from, 0, scratch.match_data(),
                    p.override_limits ? scratch.unlimited_context() : scratch.limited_context());
    if (p.negated) return rc < 0 && MatchFrom(chain, index + 1, data, cursor, scratch);
    if (rc < 0) return false;  // no match, or a limit hit: Suricata counts both as no match
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(scratch.match_data());
    const int64_t match_end = static_cast<int64_t>(base + ovector[1]);
    if (MatchFrom(chain, index + 1, data, match_end, scratch)) return true;
    if (ovector[0] + 1 > length) return false;
    from = ovector[0] + 1;
  }
}

bool MatchFrom(const BufferChain& chain, size_t index, std::span<const uint8_t> data,
               int64_t cursor, MatchScratch& scratch) {
  if (index >= chain.matchers.size()) return true;
  const PayloadMatcher& matcher = chain.matchers[index];
  if (const auto* c = std::get_if<ContentMatcher>(&matcher)) {
    return MatchContent(chain, index, *c, data, cursor, scratch);
  }
  if (const auto* p = std::get_if<PcreMatcher>(&matcher)) {
    return MatchPcre(chain, index, *p, data, cursor, scratch);
  }
  if (const auto* t = std::get_if<ByteTestMatcher>(&matcher)) {
    return ByteTest(*t, data, cursor) && MatchFrom(chain, index + 1, data, cursor, scratch);
  }
  if (const auto* j = std::get_if<ByteJumpMatcher>(&matcher)) {
    int64_t next = cursor;
    return ByteJump(*j, data, &next) && MatchFrom(chain, index + 1, data, next, scratch);
  }
  if (const auto* d = std::get_if<IsDataAtMatcher>(&matcher)) {
    const int64_t at = (d->relative ? cursor : 0) + d->offset;
    const bool has_data = at >= 0 && at < static_cast<int64_t>(data.size());
    return has_data != d->negated && MatchFrom(chain, index + 1, data, cursor, scratch);
  }
  const auto& size = std::get<BufferSizeMatcher>(matcher);
  return size.test.Matches(data.size()) && MatchFrom(chain, index + 1, data, cursor, scratch);
}

}  // namespace

MatchScratch::MatchScratch(uint32_t max_captures) {
  match_data_ = pcre2_match_data_create(max_captures + 1, nullptr);
  jit_stack_ = pcre2_jit_stack_create(32 * 1024, 512 * 1024, nullptr);
  limited_ = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(limited_, kPcreMatchLimit);
  pcre2_set_depth_limit(limited_, kPcreDepthLimit);
  pcre2_jit_stack_assign(limited_, nullptr, jit_stack_);
  unlimited_ = pcre2_match_context_create(nullptr);
  pcre2_jit_stack_assign(unlimited_, nullptr, jit_stack_);
}

MatchScratch::~MatchScratch() {
  pcre2_match_context_free(limited_);
  pcre2_match_context_free(unlimited_);
  pcre2_jit_stack_free(jit_stack_);
  pcre2_match_data_free(match_data_);
}

int64_t FindPattern(std::span<const uint8_t> haystack, size_t from, size_t to,
                    std::string_view needle, bool nocase) {
  to = std::min(to, haystack.size());
  if (needle.empty() || from >= to || to - from < needle.size()) return -1;
  if (!nocase) {
    const void* hit = memmem(haystack.data() + from, to - from, needle.data(), needle.size());
    return hit == nullptr ? -1 : static_cast<const uint8_t*>(hit) - haystack.data();
  }
  const uint8_t first = static_cast<uint8_t>(needle[0]);
  const size_t last_start = to - needle.size();
  // A first byte that is no letter (a binary byte, a digit, punctuation) has one case: memchr
  // finds its candidate positions instead of a loop lower-casing every byte.
  const bool first_has_one_case = first < 'a' || first > 'z';
  for (size_t i = from; i <= last_start; ++i) {
    if (first_has_one_case) {
      const void* hit = memchr(haystack.data() + i, first, last_start - i + 1);
      if (hit == nullptr) return -1;
      i = static_cast<size_t>(static_cast<const uint8_t*>(hit) - haystack.data());
    } else if (Lower(haystack[i]) != first) {
      continue;
    }
    size_t k = 1;
    while (k < needle.size() && Lower(haystack[i + k]) == static_cast<uint8_t>(needle[k])) ++k;
    if (k == needle.size()) return static_cast<int64_t>(i);
  }
  return -1;
}

bool MatchChain(const BufferChain& chain, std::span<const uint8_t> data, MatchScratch& scratch) {
  scratch.budget = kInspectionBudget;
  return MatchFrom(chain, 0, data, 0, scratch);
}

}  // namespace otasuke::network::detect
