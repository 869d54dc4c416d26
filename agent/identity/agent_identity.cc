#include "agent/identity/agent_identity.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "agent/state/agent_state.h"
#include "common/cli.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/x509.h"
#include "otasuke/v1/identity_service.grpc.pb.h"

namespace otasuke::agent {
namespace {

absl::Status Step(std::string_view step, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(Sv(step), ": ", status.message()));
}

std::string DefaultHostname() {
  char name[256] = "";
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

}  // namespace

IdentityFiles IdentityFiles::In(const std::string& state_dir) {
  return {.key = state_dir + "/agent.key",
          .cert = state_dir + "/agent.crt",
          .ca = state_dir + "/collector-ca.crt"};
}

absl::StatusOr<std::string> FetchPinnedCa(const std::string& collector,
                                          const std::string& fingerprint, absl::Duration timeout) {
  std::string wanted = pki::NormalizeFingerprint(fingerprint);
  if (wanted.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("--ca-fingerprint must be a SHA-256 (64 hex digits, colons allowed), got '",
                     fingerprint, "'"));
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  // Unverified on purpose: nothing is trusted from this handshake but the certificate whose
  // fingerprint the operator gave us out of band.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof(kAlpn));
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new_ssl_connect(ctx.get()), BIO_free_all);
  BIO_set_conn_hostname(bio.get(), collector.c_str());
  SSL* ssl = nullptr;
  BIO_get_ssl(bio.get(), &ssl);
  SSL_set_tlsext_host_name(ssl, std::string(pki::kCollectorTlsName).c_str());
  (void)timeout;  // TCP connect and handshake use the system's limits
  if (BIO_do_connect(bio.get()) <= 0 || BIO_do_handshake(bio.get()) <= 0) {
    char reason[256] = "connection failed";
    if (unsigned long code = ERR_get_error(); code != 0) {
      ERR_error_string_n(code, reason, sizeof(reason));
    }
    ERR_clear_error();
    return absl::UnavailableError(
        absl::StrCat("cannot make a TLS connection to the collector at ", collector, ": ", reason));
  }
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  int count = chain != nullptr ? sk_X509_num(chain) : 0;
  for (int i = 0; i < count; ++i) {
    X509* cert = sk_X509_value(chain, i);
    absl::StatusOr<std::string> got = pki::CertificateFingerprint(cert);
    if (got.ok() && *got == wanted) return pki::CertificatePem(cert);
  }
  return absl::PermissionDeniedError(
      absl::StrCat("the collector at ", collector, " did not present a CA with fingerprint ",
                   wanted, " (wrong collector, or a machine in between): not enrolling"));
}

absl::StatusOr<EnrolledIdentity> Enroll(const EnrollOptions& options) {
  if (options.collector.empty() || options.token.empty() || options.state_dir.empty()) {
    return absl::InvalidArgumentError("enroll needs --collector, --token and a state directory");
  }
  if (options.ca_fingerprint.empty() && options.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "enroll needs the collector CA: --ca-fingerprint SHA256 (printed by otasukectl "
        "enroll-tokens create) or --ca-file FILE");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<AgentState> state,
                   AgentState::Open(options.state_dir, options.agent_id));
  const std::string agent_id = state->agent_id();

  std::string ca_pem;
  if (!options.ca_file.empty()) {
    absl::StatusOr<std::string> file = ReadFile(options.ca_file);
    RETURN_IF_ERROR(Step("reading --ca-file", file.status()));
    ca_pem = *file;
    absl::StatusOr<pki::CertPtr> ca = pki::ParseCertificatePem(ca_pem);
    RETURN_IF_ERROR(Step(absl::StrCat("reading ", options.ca_file), ca.status()));
    if (!options.ca_fingerprint.empty()) {
      ASSIGN_OR_RETURN(std::string got, pki::CertificateFingerprint(ca->get()));
      if (got != pki::NormalizeFingerprint(options.ca_fingerprint)) {
        return absl::PermissionDeniedError(
            absl::StrCat(options.ca_file, " has fingerprint ", got, ", not the one given"));
      }
    }
  } else {
    ASSIGN_OR_RETURN(ca_pem,
                     FetchPinnedCa(options.collector, options.ca_fingerprint, options.timeout));
  }

  ASSIGN_OR_RETURN(pki::KeyPtr key, pki::GenerateP256Key());
  ASSIGN_OR_RETURN(std::string key_pem, pki::PrivateKeyPem(key.get()));
  ASSIGN_OR_RETURN(std::string csr_pem, pki::MakeCsrPem(key.get(), agent_id));

  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ca_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(std::string(pki::kCollectorTlsName));
  auto channel = grpc::CreateCustomChannel(options.collector, grpc::SslCredentials(tls), args);
  auto stub = v1::EnrollmentService::NewStub(channel);
  v1::EnrollRequest request;
  request.set_token(options.token);
  request.set_agent_id(agent_id);
  request.set_hostname(options.hostname.empty() ? DefaultHostname() : options.hostname);
  request.set_csr_pem(csr_pem);
  v1::EnrollResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  grpc::Status status = stub->Enroll(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("the collector refused enrollment: ", status.error_message()));
  }
  ASSIGN_OR_RETURN(pki::CertPtr cert, pki::ParseCertificatePem(response.certificate_pem()));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::DataLossError("the collector returned a certificate for another key");
  }
  EnrolledIdentity identity{.agent_id = pki::SubjectEntry(cert.get(), NID_commonName),
                            .tenant_id = pki::SubjectEntry(cert.get(), NID_organizationalUnitName)};
  ASSIGN_OR_RETURN(identity.certificate_fingerprint, pki::CertificateFingerprint(cert.get()));
  IdentityFiles files = IdentityFiles::In(options.state_dir);
  // Key first: a certificate on disk always has its key beside it.
  RETURN_IF_ERROR(WriteFileAtomically(files.key, key_pem));
  RETURN_IF_ERROR(WriteFileAtomically(files.cert, response.certificate_pem()));
  RETURN_IF_ERROR(WriteFileAtomically(files.ca, ca_pem));
  return identity;
}

absl::StatusOr<MtlsCredentials> LoadMtlsCredentials(const std::string& state_dir) {
  IdentityFiles files = IdentityFiles::In(state_dir);
  absl::StatusOr<std::string> cert = ReadFile(files.cert);
  if (absl::IsNotFound(cert.status())) {
    return absl::NotFoundError(absl::StrCat(
        "this agent is not enrolled (no ", files.cert,
        "): run otasuke-agent enroll --collector HOST:PORT --token TOKEN --ca-fingerprint "
        "SHA256 --state-dir ",
        state_dir, " first (or transport_security: insecure for a loopback demo)"));
  }
  RETURN_IF_ERROR(cert.status());
  ASSIGN_OR_RETURN(std::string key, ReadFile(files.key));
  ASSIGN_OR_RETURN(std::string ca, ReadFile(files.ca));
  absl::StatusOr<pki::CertPtr> parsed = pki::ParseCertificatePem(*cert);
  RETURN_IF_ERROR(Step(files.cert, parsed.status()));
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ca;
  tls.pem_private_key = key;
  tls.pem_cert_chain = *cert;
  return MtlsCredentials{.credentials = grpc::SslCredentials(tls),
                         .tls_target_name = std::string(pki::kCollectorTlsName),
                         .agent_id = pki::SubjectEntry(parsed->get(), NID_commonName),
                         .tenant_id = pki::SubjectEntry(parsed->get(), NID_organizationalUnitName)};
}

int RunEnroll(int argc, const char* const* argv) {
  EnrollOptions o{.state_dir = "/var/lib/otasuke-agent"};
  bool help = false;
  const cli::FlagSpec flags[] = {
      {"collector", "HOST:PORT", "collector address", &o.collector},
      {"token", "TOKEN", "single-use enrollment token (otasukectl enroll-tokens create)", &o.token},
      {"ca-fingerprint", "SHA256", "fingerprint of the collector CA to pin", &o.ca_fingerprint},
      {"ca-file", "FILE", "or: the collector CA certificate, trusted as given", &o.ca_file},
      {"state-dir", "DIR", "the agent's state directory", &o.state_dir},
      {"agent-id", "ID", "agent id (default: the state directory's)", &o.agent_id},
      {"hostname", "NAME", "host name to record (default: this machine's)", &o.hostname},
      {"help", "", "show this help", &help},
  };
  const std::string flags_help = cli::FlagsHelp(flags);  // before parsing: the defaults
  absl::StatusOr<std::vector<std::string>> positional = cli::ParseFlags(flags, argc, argv, 1);
  if (!positional.ok() || help || !positional->empty()) {
    if (!positional.ok())
      std::cerr << "otasuke-agent enroll: " << positional.status().message() << "\n";
    (help ? std::cout : std::cerr)
        << "usage: otasuke-agent enroll --collector HOST:PORT --token TOKEN "
           "(--ca-fingerprint SHA256 | --ca-file FILE) [--state-dir DIR]\n\n"
        << flags_help;
    return help ? 0 : 2;
  }
  absl::StatusOr<EnrolledIdentity> identity = Enroll(o);
  if (!identity.ok()) {
    std::cerr << "otasuke-agent enroll: " << identity.status().message() << "\n";
    return absl::IsInvalidArgument(identity.status()) ? 2 : 1;
  }
  std::cout << "enrolled as agent " << identity->agent_id << " of tenant " << identity->tenant_id
            << " (certificate " << identity->certificate_fingerprint << "); identity in "
            << o.state_dir << "\n";
  return 0;
}

}  // namespace otasuke::agent
