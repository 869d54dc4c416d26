#pragma once
// SHA-256 through OpenSSL's EVP interface, incrementally or in one call.

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace otasuke {

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
  std::array<uint8_t, 32> Final() {
    std::array<uint8_t, 32> out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, out.data(), &len);
    return out;
  }
  // Lower-case hex of the digest.
  std::string HexFinal() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (uint8_t b : Final()) {
      hex.push_back(kHex[b >> 4]);
      hex.push_back(kHex[b & 0xf]);
    }
    return hex;
  }

 private:
  EVP_MD_CTX* ctx_;
};

inline std::string Sha256Hex(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.HexFinal();
}

}  // namespace otasuke
