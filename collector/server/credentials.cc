#include "collector/server/credentials.h"

#include "absl/strings/match.h"
#include "common/log.h"

namespace otasuke::collector {

bool IsLoopbackAddress(const std::string& host_port) {
  return absl::StartsWith(host_port, "127.") || absl::StartsWith(host_port, "localhost:") ||
         absl::StartsWith(host_port, "[::1]:");
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
InsecureCredentialsProvider::ForListenAddress(const std::string& address) const {
  if (!IsLoopbackAddress(address)) {
    LOG_WARN(
        "listening on %s WITHOUT transport security: any host that reaches it can send "
        "alerts and push rules (mTLS comes with enrollment)",
        address);
  }
  return grpc::InsecureServerCredentials();
}

}  // namespace otasuke::collector
