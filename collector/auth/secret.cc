#include "collector/auth/secret.h"

#include <openssl/rand.h>

#include <array>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "common/strings.h"

namespace otasuke::collector {

absl::StatusOr<std::string> NewSecret(std::string_view prefix) {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return absl::InternalError("OpenSSL RAND_bytes failed: no secure randomness");
  }
  return absl::StrCat(Sv(prefix), "-",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(bytes.data()), bytes.size())));
}

std::string SecretHash(std::string_view secret) { return Sha256Hex(secret); }

}  // namespace otasuke::collector
