#pragma once
// Console authentication: the caller's token comes in the call's "authorization" metadata as
// "Bearer <secret>" and is resolved by the ConsoleTokenStore. Authorisation is separate
// (permissions.h), so every RPC states the permission it needs.

#include <grpcpp/grpcpp.h>

#include <string_view>

#include "absl/status/statusor.h"
#include "collector/auth/console_tokens.h"
#include "collector/auth/principal.h"

namespace otasuke::collector {

inline constexpr std::string_view kAuthorizationMetadata = "authorization";

// The bearer secret of an "authorization" metadata value ("Bearer <secret>"); empty if absent.
std::string_view BearerSecret(std::string_view header);

class Authenticator {
 public:
  explicit Authenticator(ConsoleTokenStore& tokens) : tokens_(tokens) {}
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;

 private:
  ConsoleTokenStore& tokens_;
};

}  // namespace otasuke::collector
