#pragma once
// The transport-security seam. Today the collector listens in plaintext (demo and loopback
// tests); the security issue adds mTLS with an enrollment CA behind this same interface, so the
// server and otasukectl only ever ask for "the credentials for this address".

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace otasuke::collector {

class ServerCredentialsProvider {
 public:
  virtual ~ServerCredentialsProvider() = default;
  virtual absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ForListenAddress(
      const std::string& address) const = 0;
};

// Plaintext. Warns when the address is not loopback: anyone who can reach it can talk to it.
class InsecureCredentialsProvider final : public ServerCredentialsProvider {
 public:
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ForListenAddress(
      const std::string& address) const override;
};

bool IsLoopbackAddress(const std::string& host_port);

}  // namespace otasuke::collector
