#include "collector/ctl/connection.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"

namespace otasuke::ctl {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

bool IsLoopback(const std::string& address) {
  return absl::StartsWith(address, "127.") || absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:");
}

// TLS pinned to the collector CA, or plaintext with --insecure.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const CommonOptions& options, grpc::ChannelArguments& args) {
  if (options.insecure) {
    if (!IsLoopback(options.collector)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--insecure is allowed only with a loopback collector, not ", options.collector,
          ": the console token would cross the network in plaintext"));
    }
    return grpc::InsecureChannelCredentials();
  }
  std::string ca_file = options.ca_file.empty() ? Env("OTASUKE_CA_FILE") : options.ca_file;
  if (ca_file.empty()) {
    return absl::InvalidArgumentError(
        "the collector CA is needed to verify the collector: --ca-file FILE or OTASUKE_CA_FILE "
        "(the collector's <data_dir>/pki/ca.crt), or --insecure for a loopback demo collector");
  }
  absl::StatusOr<std::string> ca = ReadFile(ca_file);
  if (!ca.ok()) {
    return absl::NotFoundError(absl::StrCat("cannot read the CA file: ", ca.status().message()));
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = *ca;
  args.SetSslTargetNameOverride("otasuke-collector");
  return grpc::SslCredentials(tls);
}

}  // namespace

CommonOptions DefaultCommonOptions() {
  CommonOptions options;
  options.collector = Env("OTASUKE_COLLECTOR");
  if (options.collector.empty()) options.collector = "127.0.0.1:7443";
  return options;
}

std::vector<cli::FlagSpec> CommonFlags(CommonOptions& o) {
  return {
      {"collector", "HOST:PORT", "collector address", &o.collector},
      {"token", "SECRET", "console token (see also --token-file)", &o.token},
      {"token-file", "FILE", "file holding the console token", &o.token_file},
      {"ca-file", "FILE", "collector CA certificate that verifies the collector (TLS)", &o.ca_file},
      {"insecure", "", "plaintext, for a demo collector on loopback", &o.insecure},
      {"timeout", "SECONDS", "give up on the collector after this long", &o.timeout_seconds},
      {"json", "", "print the collector's answer as JSON (stable field names)", &o.json},
      {"help", "", "show help", &o.help},
  };
}

absl::StatusOr<std::string> ResolveToken(const CommonOptions& options) {
  if (!options.token.empty()) return options.token;
  std::string env = Env("OTASUKE_TOKEN");
  if (!env.empty()) return env;
  std::string file = options.token_file.empty() ? Env("OTASUKE_TOKEN_FILE") : options.token_file;
  if (file.empty()) return std::string();
  absl::StatusOr<std::string> content = ReadFile(file);
  if (!content.ok()) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the token file: ", content.status().message()));
  }
  std::string token(absl::StripAsciiWhitespace(*content));
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("token file ", file, " is empty"));
  }
  return token;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const CommonOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentials(options, args);
  if (!credentials.ok()) return credentials.status();
  return grpc::CreateCustomChannel(options.collector, *credentials, args);
}

}  // namespace otasuke::ctl
