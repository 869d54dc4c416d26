#include "collector/server/credentials.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace otasuke::collector {

bool IsLoopbackAddress(const std::string& host_port) {
  return absl::StartsWith(host_port, "127.") || absl::StartsWith(host_port, "localhost:") ||
         absl::StartsWith(host_port, "[::1]:");
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
InsecureCredentialsProvider::ForListenAddress(const std::string& address) const {
  if (!IsLoopbackAddress(address)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "transport_security: insecure is allowed only on a loopback listen address (127.x, "
        "localhost, [::1]), not ",
        address, "; use transport_security: tls"));
  }
  LOG_WARN(
      "listening on %s WITHOUT transport security (demo mode): no TLS, agents are not "
      "authenticated; never use this beyond a demo",
      address);
  return grpc::InsecureServerCredentials();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentialsProvider::ForListenAddress(
    const std::string& /*address*/) const {
  grpc::SslServerCredentialsOptions options(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = ca_pem_;
  options.pem_key_cert_pairs.push_back({server_key_pem_, server_cert_chain_pem_});
  return grpc::SslServerCredentials(options);
}

}  // namespace otasuke::collector
