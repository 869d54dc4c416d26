#include "collector/auth/authenticator.h"

namespace otasuke::collector {

std::string_view BearerSecret(std::string_view header) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.substr(0, kScheme.size()) != kScheme) return {};
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\n'))
    header.remove_suffix(1);
  return header;
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it =
      metadata.find(grpc::string_ref(kAuthorizationMetadata.data(), kAuthorizationMetadata.size()));
  std::string_view secret;
  if (it != metadata.end()) {
    secret = BearerSecret(std::string_view(it->second.data(), it->second.size()));
  }
  return tokens_.Lookup(secret);
}

}  // namespace otasuke::collector
