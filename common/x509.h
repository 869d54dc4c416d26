#pragma once
// Small RAII layer over OpenSSL 3 for the identity code: ECDSA P-256 keys, certificate signing
// requests and certificates, PEM in and out, SHA-256 fingerprints. Errors come back as
// absl::Status carrying OpenSSL's own reason. Shared by the collector's CA and the agent's
// enrollment.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace otasuke::pki {

// The name every agent verifies in the collector's server certificate (gRPC's target-name
// override), so an agent need not know which address or host name the collector is reached by.
inline constexpr std::string_view kCollectorTlsName = "otasuke-collector";

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct CsrDeleter {
  void operator()(X509_REQ* csr) const { X509_REQ_free(csr); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using CertPtr = std::unique_ptr<X509, CertDeleter>;
using CsrPtr = std::unique_ptr<X509_REQ, CsrDeleter>;

absl::StatusOr<KeyPtr> GenerateP256Key();
absl::StatusOr<std::string> PrivateKeyPem(EVP_PKEY* key);
absl::StatusOr<KeyPtr> ParsePrivateKeyPem(std::string_view pem);

absl::StatusOr<std::string> CertificatePem(X509* cert);
absl::StatusOr<CertPtr> ParseCertificatePem(std::string_view pem);
// Lower-case hex SHA-256 of the certificate's DER encoding (what `openssl x509 -fingerprint
// -sha256` prints, without the colons).
absl::StatusOr<std::string> CertificateFingerprint(X509* cert);
// "aa:bb:..." or "AABB..." -> "aabb...": operators paste fingerprints in either form.
std::string NormalizeFingerprint(std::string_view fingerprint);

// A CSR signed by `key` with the subject common name `common_name`.
absl::StatusOr<std::string> MakeCsrPem(EVP_PKEY* key, std::string_view common_name);
// Parses a PEM CSR, checks its self-signature and that its key is ECDSA P-256.
absl::StatusOr<CsrPtr> ParseAndVerifyCsrPem(std::string_view pem);

// The subject entry `nid` (NID_commonName, NID_organizationalUnitName) of a certificate.
std::string SubjectEntry(X509* cert, int nid);

// What a new certificate says. Issuer and signing key come from the caller.
struct CertificateSpec {
  std::string common_name;
  std::string organizational_unit;  // empty: none
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::vector<std::string> uris;
  bool is_ca = false;
  bool server_auth = false;
  bool client_auth = false;
  absl::Time not_before;
  absl::Time not_after;
};

// Signs a certificate for `subject_key` with `issuer_key`; `issuer` null means self-signed.
// Returns it with a fresh random 128-bit serial.
absl::StatusOr<CertPtr> SignCertificate(const CertificateSpec& spec, EVP_PKEY* subject_key,
                                        X509* issuer, EVP_PKEY* issuer_key);
// The serial number in hex.
std::string SerialHex(X509* cert);
absl::Time NotAfter(X509* cert);

}  // namespace otasuke::pki
