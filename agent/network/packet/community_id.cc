#include "agent/network/packet/community_id.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

namespace otasuke::network {
namespace {

std::string Hash(const IpAddress& src, const IpAddress& dst, uint16_t sport, uint16_t dport,
                 uint8_t proto, uint16_t seed, bool one_way) {
  const IpAddress* a = &src;
  const IpAddress* b = &dst;
  uint16_t pa = sport;
  uint16_t pb = dport;
  const int n = src.size();
  if (!one_way) {
    const int cmp = std::memcmp(src.bytes, dst.bytes, n);
    if (cmp > 0 || (cmp == 0 && sport > dport)) {
      std::swap(a, b);
      std::swap(pa, pb);
    }
  }
  uint8_t buf[2 + 16 + 16 + 2 + 4];
  size_t len = 0;
  buf[len++] = static_cast<uint8_t>(seed >> 8);
  buf[len++] = static_cast<uint8_t>(seed);
  std::memcpy(buf + len, a->bytes, n);
  len += n;
  std::memcpy(buf + len, b->bytes, n);
  len += n;
  buf[len++] = proto;
  buf[len++] = 0;
  const bool has_ports = true;
  if (has_ports) {
    buf[len++] = static_cast<uint8_t>(pa >> 8);
    buf[len++] = static_cast<uint8_t>(pa);
    buf[len++] = static_cast<uint8_t>(pb >> 8);
    buf[len++] = static_cast<uint8_t>(pb);
  }
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(buf, len, digest);
  char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64), digest, SHA_DIGEST_LENGTH);
  return "1:" + std::string(b64, written);
}

}  // namespace

std::string CommunityId(const IpAddress& src, const IpAddress& dst, uint16_t sport, uint16_t dport,
                        uint8_t proto, uint16_t seed) {
  return Hash(src, dst, sport, dport, proto, seed, false);
}

std::string CommunityIdIcmp(const IpAddress& src, const IpAddress& dst, uint8_t type, uint8_t code,
                            uint8_t proto, uint16_t seed) {
  // Request/reply type pairs make both directions hash alike; other messages are one-way
  // and carry the code as the "destination port".
  static constexpr uint8_t kV4[][2] = {{8, 0},   {0, 8},  {13, 14}, {14, 13}, {15, 16},
                                       {16, 15}, {10, 9}, {9, 10},  {17, 18}, {18, 17}};
  static constexpr uint8_t kV6[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133}, {135, 136},
                                       {136, 135}, {130, 131}, {131, 130}, {144, 145}, {145, 144}};
  const bool v6 = proto == kProtoIcmpv6;
  const auto& table = v6 ? kV6 : kV4;
  for (const auto& pair : table) {
    if (pair[0] == type) return Hash(src, dst, type, pair[1], proto, seed, false);
  }
  return Hash(src, dst, type, code, proto, seed, true);
}

}  // namespace otasuke::network
