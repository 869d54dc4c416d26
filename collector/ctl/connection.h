#pragma once
// How otasukectl reaches the collector: the flags every command shares (address, token, CA,
// timeout, --json), the console token they resolve to, and the gRPC channel (TLS pinned to the
// collector CA, or plaintext only to a loopback collector).

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/cli.h"

namespace otasuke::ctl {

inline constexpr int kMaxMessageBytes = 64 << 20;

struct CommonOptions {
  std::string collector;  // default: OTASUKE_COLLECTOR, else 127.0.0.1:7443
  std::string token;
  std::string token_file;
  std::string ca_file;
  bool insecure = false;
  int64_t timeout_seconds = 10;
  bool json = false;
  bool help = false;
};

// The defaults, with OTASUKE_COLLECTOR applied.
CommonOptions DefaultCommonOptions();

// The flags of CommonOptions; accepted before the command words and after them.
std::vector<cli::FlagSpec> CommonFlags(CommonOptions& options);

// The console token: --token, then OTASUKE_TOKEN, then --token-file, then OTASUKE_TOKEN_FILE.
// Empty when none is given (the collector then refuses with UNAUTHENTICATED).
absl::StatusOr<std::string> ResolveToken(const CommonOptions& options);

// The channel to options.collector. Creating it does not connect; calls do.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const CommonOptions& options);

}  // namespace otasuke::ctl
