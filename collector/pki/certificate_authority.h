#pragma once
// The collector's private CA. At first start it generates a CA key and certificate and a server
// certificate signed by it in <data_dir>/pki/ (keys 0600), or loads the files the config names.
// It signs agent client certificates from enrollment CSRs, binding the agent id (subject CN) and
// tenant (subject OU), and identifies an agent from the certificate it presents.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/x509.h"

namespace otasuke::collector {

using pki::kCollectorTlsName;

struct PkiOptions {
  std::string dir;  // where generated files live: ca.crt, ca.key, server.crt, server.key
  // Provided files instead of generated ones (all four, or none).
  std::string ca_cert_file;
  std::string ca_key_file;
  std::string server_cert_file;
  std::string server_key_file;
  // Extra names (DNS or IP) for a generated server certificate, beside kCollectorTlsName,
  // localhost and 127.0.0.1.
  std::vector<std::string> server_names;
  absl::Duration agent_cert_validity = absl::Hours(24 * 365);
};

struct IssuedCertificate {
  std::string pem;
  std::string serial;       // hex
  std::string fingerprint;  // SHA-256 hex of the DER
  absl::Time not_after;
};

// Who a presented client certificate says it is (after the TLS layer verified it against the
// CA).
struct AgentCertificateIdentity {
  std::string agent_id;
  std::string tenant_id;
  std::string fingerprint;
};

class CertificateAuthority {
 public:
  static absl::StatusOr<std::unique_ptr<CertificateAuthority>> LoadOrCreate(
      const PkiOptions& options, const Clock& clock);

  const std::string& ca_pem() const { return ca_pem_; }
  const std::string& ca_fingerprint() const { return ca_fingerprint_; }
  const std::string& server_cert_pem() const { return server_cert_pem_; }
  const std::string& server_key_pem() const { return server_key_pem_; }

  // Signs a client certificate for the CSR's key, binding `agent_id` and `tenant_id`.
  absl::StatusOr<IssuedCertificate> IssueAgentCertificate(X509_REQ* csr, std::string_view agent_id,
                                                          std::string_view tenant_id) const;
  // Reads agent id, tenant and fingerprint from a client certificate in PEM.
  static absl::StatusOr<AgentCertificateIdentity> IdentifyAgent(std::string_view pem);

 private:
  CertificateAuthority(const Clock& clock, absl::Duration agent_validity)
      : clock_(clock), agent_validity_(agent_validity) {}

  const Clock& clock_;
  absl::Duration agent_validity_;
  pki::KeyPtr ca_key_;
  pki::CertPtr ca_cert_;
  std::string ca_pem_;
  std::string ca_fingerprint_;
  std::string server_cert_pem_;
  std::string server_key_pem_;
};

}  // namespace otasuke::collector
