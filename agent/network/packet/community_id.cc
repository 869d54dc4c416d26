#include "agent/network/packet/community_id.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>

namespace otasuke::network {
namespace {

// SHA-1 with the algorithm fetched once and a digest context kept per thread. OpenSSL 3's
// SHA1() fetches the algorithm from the provider on every call (≈ 94,000 instructions, most of
// a flow's first alert before this); the digest is the same.
void Sha1(const uint8_t* data, size_t len, uint8_t digest[SHA_DIGEST_LENGTH]) {
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);  // never freed: process-wide
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
      EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned int size = 0;
  if (sha1 != nullptr && context != nullptr && EVP_DigestInit_ex2(context.get(), sha1, nullptr) &&
      EVP_DigestUpdate(context.get(), data, len) &&
      EVP_DigestFinal_ex(context.get(), digest, &size) && size == SHA_DIGEST_LENGTH) {
    return;
  }
  SHA1(data, len, digest);  // no provider algorithm or context: OpenSSL's one-shot call
}

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
  Sha1(buf, len, digest);
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
