#include "common/uuid.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "common/check.h"

namespace otasuke {
namespace {

std::string FormatUuid(const std::array<uint8_t, 16>& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xf]);
  }
  return out;
}

std::array<uint8_t, 16> RandomBytes() {
  std::array<uint8_t, 16> b;
  OTASUKE_CHECK(RAND_bytes(b.data(), static_cast<int>(b.size())) == 1);
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 9562 variant
  return b;
}

}  // namespace

std::string NewUuid() {
  std::array<uint8_t, 16> b = RandomBytes();
  b[6] = (b[6] & 0x0f) | 0x40;
  return FormatUuid(b);
}

std::string NewUuidV7(absl::Time now) {
  std::array<uint8_t, 16> b = RandomBytes();
  const uint64_t millis = static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixMillis(now)));
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(millis >> (8 * (5 - i)));
  b[6] = (b[6] & 0x0f) | 0x70;
  return FormatUuid(b);
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace otasuke
