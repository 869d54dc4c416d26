#include "collector/pki/certificate_authority.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

constexpr absl::Duration kCaValidity = absl::Hours(24 * 365 * 10);
constexpr absl::Duration kServerValidity = absl::Hours(24 * 365 * 2);
// Certificates start a little in the past: a peer whose clock is slightly behind accepts them.
constexpr absl::Duration kBackdate = absl::Hours(1);

bool IsIpAddress(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

absl::StatusOr<std::string> ReadNamed(std::string_view what, const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) {
    return absl::Status(content.status().code(), absl::StrCat("cannot read the ", Sv(what), ": ",
                                                              content.status().message()));
  }
  return content;
}

absl::Status WithPath(const absl::Status& status, const std::string& path) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::LoadOrCreate(
    const PkiOptions& options, const Clock& clock) {
  int provided = !options.ca_cert_file.empty() + !options.ca_key_file.empty() +
                 !options.server_cert_file.empty() + !options.server_key_file.empty();
  if (provided != 0 && provided != 4) {
    return absl::InvalidArgumentError(
        "tls: give all of ca_cert, ca_key, server_cert and server_key, or none (to have them "
        "generated in the data directory)");
  }
  auto ca = std::unique_ptr<CertificateAuthority>(
      new CertificateAuthority(clock, options.agent_cert_validity));
  std::filesystem::path dir(options.dir);
  std::string ca_cert_path = provided ? options.ca_cert_file : (dir / "ca.crt").string();
  std::string ca_key_path = provided ? options.ca_key_file : (dir / "ca.key").string();
  std::string server_cert_path =
      provided ? options.server_cert_file : (dir / "server.crt").string();
  std::string server_key_path = provided ? options.server_key_file : (dir / "server.key").string();

  if (!provided && !std::filesystem::exists(ca_cert_path)) {
    if (::mkdir(options.dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(absl::StrCat("cannot create ", options.dir));
    }
    absl::Time now = clock.Now();
    ASSIGN_OR_RETURN(pki::KeyPtr ca_key, pki::GenerateP256Key());
    pki::CertificateSpec ca_spec{.common_name = "Otasuke collector CA",
                                 .is_ca = true,
                                 .not_before = now - kBackdate,
                                 .not_after = now + kCaValidity};
    ASSIGN_OR_RETURN(pki::CertPtr ca_cert,
                     pki::SignCertificate(ca_spec, ca_key.get(), nullptr, ca_key.get()));
    ASSIGN_OR_RETURN(pki::KeyPtr server_key, pki::GenerateP256Key());
    pki::CertificateSpec server_spec{.common_name = std::string(kCollectorTlsName),
                                     .dns_names = {std::string(kCollectorTlsName), "localhost"},
                                     .ip_addresses = {"127.0.0.1", "::1"},
                                     .server_auth = true,
                                     .not_before = now - kBackdate,
                                     .not_after = now + kServerValidity};
    for (const std::string& name : options.server_names) {
      (IsIpAddress(name) ? server_spec.ip_addresses : server_spec.dns_names).push_back(name);
    }
    ASSIGN_OR_RETURN(pki::CertPtr server_cert, pki::SignCertificate(server_spec, server_key.get(),
                                                                    ca_cert.get(), ca_key.get()));
    ASSIGN_OR_RETURN(std::string ca_key_pem, pki::PrivateKeyPem(ca_key.get()));
    ASSIGN_OR_RETURN(std::string ca_cert_pem, pki::CertificatePem(ca_cert.get()));
    ASSIGN_OR_RETURN(std::string server_key_pem, pki::PrivateKeyPem(server_key.get()));
    ASSIGN_OR_RETURN(std::string server_cert_pem, pki::CertificatePem(server_cert.get()));
    // Keys first: a crash in between leaves no certificate without its key.
    RETURN_IF_ERROR(WriteFileAtomically(ca_key_path, ca_key_pem));
    RETURN_IF_ERROR(WriteFileAtomically(server_key_path, server_key_pem));
    RETURN_IF_ERROR(WriteFileAtomically(server_cert_path, server_cert_pem));
    RETURN_IF_ERROR(WriteFileAtomically(ca_cert_path, ca_cert_pem));
    LOG_WARN("first start: generated the collector CA and server certificate in %s", options.dir);
  }

  ASSIGN_OR_RETURN(ca->ca_pem_, ReadNamed("CA certificate", ca_cert_path));
  ASSIGN_OR_RETURN(std::string ca_key_pem, ReadNamed("CA key", ca_key_path));
  ASSIGN_OR_RETURN(ca->server_cert_pem_, ReadNamed("server certificate", server_cert_path));
  ASSIGN_OR_RETURN(ca->server_key_pem_, ReadNamed("server key", server_key_path));
  absl::StatusOr<pki::CertPtr> ca_cert = pki::ParseCertificatePem(ca->ca_pem_);
  if (!ca_cert.ok()) return WithPath(ca_cert.status(), ca_cert_path);
  ca->ca_cert_ = std::move(*ca_cert);
  absl::StatusOr<pki::KeyPtr> ca_key = pki::ParsePrivateKeyPem(ca_key_pem);
  if (!ca_key.ok()) return WithPath(ca_key.status(), ca_key_path);
  ca->ca_key_ = std::move(*ca_key);
  if (X509_check_private_key(ca->ca_cert_.get(), ca->ca_key_.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(ca_key_path, " is not the key of the CA certificate ", ca_cert_path));
  }
  if (absl::Status s = pki::ParseCertificatePem(ca->server_cert_pem_).status(); !s.ok()) {
    return WithPath(s, server_cert_path);
  }
  ASSIGN_OR_RETURN(ca->ca_fingerprint_, pki::CertificateFingerprint(ca->ca_cert_.get()));
  LOG_INFO(
      "collector CA %s (SHA-256 fingerprint %s): agents enroll with "
      "--ca-fingerprint %s",
      ca_cert_path, ca->ca_fingerprint_, ca->ca_fingerprint_);
  return ca;
}

absl::StatusOr<IssuedCertificate> CertificateAuthority::IssueAgentCertificate(
    X509_REQ* csr, std::string_view agent_id, std::string_view tenant_id) const {
  absl::Time now = clock_.Now();
  pki::CertificateSpec spec{
      .common_name = std::string(agent_id),
      .organizational_unit = std::string(tenant_id),
      .uris = {absl::StrCat("otasuke://tenant/", Sv(tenant_id), "/agent/", Sv(agent_id))},
      .client_auth = true,
      .not_before = now - kBackdate,
      .not_after = now + agent_validity_};
  ASSIGN_OR_RETURN(pki::CertPtr cert, pki::SignCertificate(spec, X509_REQ_get0_pubkey(csr),
                                                           ca_cert_.get(), ca_key_.get()));
  IssuedCertificate issued;
  ASSIGN_OR_RETURN(issued.pem, pki::CertificatePem(cert.get()));
  ASSIGN_OR_RETURN(issued.fingerprint, pki::CertificateFingerprint(cert.get()));
  issued.serial = pki::SerialHex(cert.get());
  issued.not_after = spec.not_after;
  return issued;
}

absl::StatusOr<AgentCertificateIdentity> CertificateAuthority::IdentifyAgent(std::string_view pem) {
  ASSIGN_OR_RETURN(pki::CertPtr cert, pki::ParseCertificatePem(pem));
  AgentCertificateIdentity identity{
      .agent_id = pki::SubjectEntry(cert.get(), NID_commonName),
      .tenant_id = pki::SubjectEntry(cert.get(), NID_organizationalUnitName)};
  ASSIGN_OR_RETURN(identity.fingerprint, pki::CertificateFingerprint(cert.get()));
  if (identity.agent_id.empty() || identity.tenant_id.empty()) {
    return absl::UnauthenticatedError(
        "the client certificate names no agent (CN) or tenant (OU): not an agent certificate");
  }
  return identity;
}

}  // namespace otasuke::collector
