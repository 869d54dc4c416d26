#pragma once
// The agent's identity towards the collector: enrollment (`otasuke-agent enroll`) and the mTLS
// credentials the transport uses afterwards. Files in the state directory:
//   agent.key         the agent's ECDSA P-256 private key (0600, never leaves the machine)
//   agent.crt         its client certificate, signed by the collector CA at enrollment
//   collector-ca.crt  the collector CA the agent enrolled with: the only root it trusts

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace otasuke::agent {

struct IdentityFiles {
  std::string key;
  std::string cert;
  std::string ca;
  static IdentityFiles In(const std::string& state_dir);
};

struct EnrollOptions {
  std::string collector;       // HOST:PORT
  std::string token;           // single-use enrollment token
  std::string ca_fingerprint;  // SHA-256 of the collector CA (hex, colons allowed)
  std::string ca_file;         // or: the CA certificate itself (trusted as given)
  std::string state_dir;
  std::string agent_id;  // empty: the state directory's (generated on first use)
  std::string hostname;
  absl::Duration timeout = absl::Seconds(30);
};

struct EnrolledIdentity {
  std::string agent_id;
  std::string tenant_id;
  std::string certificate_fingerprint;
};

// Enrolls this agent: pins the CA, generates the key, sends the CSR with the token, and writes
// the three files. Fails with a message naming the step and the reason.
absl::StatusOr<EnrolledIdentity> Enroll(const EnrollOptions& options);

// Fetches the certificate chain the collector presents at a TLS handshake (no verification) and
// returns the certificate in it whose SHA-256 fingerprint is `fingerprint`, in PEM.
absl::StatusOr<std::string> FetchPinnedCa(const std::string& collector,
                                          const std::string& fingerprint, absl::Duration timeout);

struct MtlsCredentials {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string tls_target_name;  // what the server certificate must name
  std::string agent_id;         // from the certificate
  std::string tenant_id;
};

// The credentials of an enrolled agent. NotFound, saying how to enroll, when it is not.
absl::StatusOr<MtlsCredentials> LoadMtlsCredentials(const std::string& state_dir);

// `otasuke-agent enroll ...`
int RunEnroll(int argc, const char* const* argv);

}  // namespace otasuke::agent
