#pragma once
// The transport-security seam: the server and its tests only ever ask for "the credentials for
// this address". TLS (the default) serves the collector's server certificate and verifies any
// client certificate against the collector CA; agent streams then require one (checked per
// stream by the AgentStreamAuthorizer), while otasukectl and enrollment authenticate with tokens
// over the same server-authenticated TLS. Insecure exists for the loopback demo only.

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

// Plaintext, refused on any address that is not loopback, with a warning on every start.
class InsecureCredentialsProvider final : public ServerCredentialsProvider {
 public:
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ForListenAddress(
      const std::string& address) const override;
};

// TLS with the collector's server certificate. A client certificate is requested and, when
// presented, must verify against `ca_pem`; it is not required at the handshake, because
// enrollment and otasukectl have none (the agent service refuses streams without one).
class TlsCredentialsProvider final : public ServerCredentialsProvider {
 public:
  TlsCredentialsProvider(std::string ca_pem, std::string server_cert_chain_pem,
                         std::string server_key_pem)
      : ca_pem_(std::move(ca_pem)),
        server_cert_chain_pem_(std::move(server_cert_chain_pem)),
        server_key_pem_(std::move(server_key_pem)) {}
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ForListenAddress(
      const std::string& address) const override;

 private:
  std::string ca_pem_;
  std::string server_cert_chain_pem_;  // server certificate, then the CA (agents pin it)
  std::string server_key_pem_;
};

bool IsLoopbackAddress(const std::string& host_port);

}  // namespace otasuke::collector
