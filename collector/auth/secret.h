#pragma once
// Bearer secrets (console and enrollment tokens): 256 random bits from OpenSSL's CSPRNG, as
// "<prefix>-<64 hex>". Only their SHA-256 is stored, so a copy of the database grants nothing.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace otasuke::collector {

absl::StatusOr<std::string> NewSecret(std::string_view prefix);
std::string SecretHash(std::string_view secret);

}  // namespace otasuke::collector
