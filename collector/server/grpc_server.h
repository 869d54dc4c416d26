#pragma once
// Builds and runs the collector's gRPC server: listen address (port 0 picks a free port),
// message size limits on both directions, credentials from the provider.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/server/credentials.h"

namespace otasuke::collector {

struct GrpcServerOptions {
  std::string listen = "127.0.0.1:7443";
  int max_message_bytes = 4 << 20;
};

class GrpcServer {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const GrpcServerOptions& options, const ServerCredentialsProvider& credentials,
      const std::vector<grpc::Service*>& services);
  ~GrpcServer();

  int port() const { return port_; }
  // Stops accepting, gives open calls `grace` to finish, then cancels them. Returns when every
  // reactor is done.
  void Shutdown(absl::Duration grace);

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port)
      : server_(std::move(server)), port_(port) {}
  std::unique_ptr<grpc::Server> server_;
  int port_;
  bool shut_down_ = false;
};

}  // namespace otasuke::collector
