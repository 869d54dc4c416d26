#include "common/x509.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cctype>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace otasuke::pki {
namespace {

// Bounds what is handed to OpenSSL's parsers: a CSR or certificate of ours is ~1 KiB.
constexpr size_t kMaxPemBytes = 16 << 10;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

absl::Status OpenSslError(std::string_view what) {
  unsigned long code = ERR_get_error();
  char reason[256] = "unknown reason";
  if (code != 0) ERR_error_string_n(code, reason, sizeof(reason));
  ERR_clear_error();
  return absl::InvalidArgumentError(absl::StrCat(Sv(what), ": ", reason));
}

BioPtr ReadBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::Status CheckPemSize(std::string_view what, std::string_view pem) {
  if (pem.empty()) return absl::InvalidArgumentError(absl::StrCat(Sv(what), " is empty"));
  if (pem.size() > kMaxPemBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(what), " is ", pem.size(), " bytes, more than ", kMaxPemBytes));
  }
  return absl::OkStatus();
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return OpenSslError(absl::StrCat("certificate extension ", value));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1 ? absl::OkStatus() : OpenSslError("certificate extension");
}

}  // namespace

absl::StatusOr<KeyPtr> GenerateP256Key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslError("cannot generate an ECDSA P-256 key");
  return key;
}

absl::StatusOr<std::string> PrivateKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("cannot encode the private key");
  }
  return BioContents(bio.get());
}

absl::StatusOr<KeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  if (absl::Status s = CheckPemSize("private key", pem); !s.ok()) return s;
  BioPtr bio = ReadBio(pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) return OpenSslError("not a PEM private key");
  return key;
}

absl::StatusOr<std::string> CertificatePem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(bio.get(), cert) != 1) return OpenSslError("cannot encode certificate");
  return BioContents(bio.get());
}

absl::StatusOr<CertPtr> ParseCertificatePem(std::string_view pem) {
  if (absl::Status s = CheckPemSize("certificate", pem); !s.ok()) return s;
  BioPtr bio = ReadBio(pem);
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return OpenSslError("not a PEM certificate");
  return cert;
}

absl::StatusOr<std::string> CertificateFingerprint(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &size) != 1) {
    return OpenSslError("cannot fingerprint certificate");
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string NormalizeFingerprint(std::string_view fingerprint) {
  std::string out;
  for (char c : fingerprint) {
    if (c == ':' || c == ' ') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

absl::StatusOr<std::string> MakeCsrPem(EVP_PKEY* key, std::string_view common_name) {
  CsrPtr csr(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(csr.get());
  std::string cn(common_name);
  if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_REQ_set_pubkey(csr.get(), key) != 1 ||
      X509_REQ_sign(csr.get(), key, EVP_sha256()) <= 0) {
    return OpenSslError("cannot make the certificate request");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509_REQ(bio.get(), csr.get()) != 1) {
    return OpenSslError("cannot encode the certificate request");
  }
  return BioContents(bio.get());
}

absl::StatusOr<CsrPtr> ParseAndVerifyCsrPem(std::string_view pem) {
  if (absl::Status s = CheckPemSize("certificate request", pem); !s.ok()) return s;
  BioPtr bio = ReadBio(pem);
  CsrPtr csr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (csr == nullptr) return OpenSslError("not a PEM certificate request");
  EVP_PKEY* key = X509_REQ_get0_pubkey(csr.get());
  if (key == nullptr) return OpenSslError("certificate request has no public key");
  if (X509_REQ_verify(csr.get(), key) != 1) {
    return OpenSslError("certificate request signature does not verify");
  }
  char group[64] = "";
  size_t group_len = 0;
  if (!EVP_PKEY_is_a(key, "EC") ||
      EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &group_len) != 1 ||
      std::string_view(group) != "prime256v1") {
    ERR_clear_error();
    return absl::InvalidArgumentError("certificate request key is not ECDSA P-256");
  }
  return csr;
}

std::string SubjectEntry(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

absl::StatusOr<CertPtr> SignCertificate(const CertificateSpec& spec, EVP_PKEY* subject_key,
                                        X509* issuer, EVP_PKEY* issuer_key) {
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) return OpenSslError("serial");
  serial_bytes[0] &= 0x7f;  // positive
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), absl::ToTimeT(spec.not_before));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), absl::ToTimeT(spec.not_after));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  if (!spec.organizational_unit.empty()) {
    X509_NAME_add_entry_by_NID(
        name, NID_organizationalUnitName, MBSTRING_UTF8,
        reinterpret_cast<const unsigned char*>(spec.organizational_unit.c_str()), -1, -1, 0);
  }
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), subject_key);
  if (spec.is_ca) {
    if (absl::Status s =
            AddExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            AddExtension(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
        !s.ok()) {
      return s;
    }
  } else {
    if (absl::Status s =
            AddExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
        !s.ok()) {
      return s;
    }
    if (absl::Status s = AddExtension(cert.get(), issuer, NID_key_usage,
                                      "critical,digitalSignature,keyAgreement");
        !s.ok()) {
      return s;
    }
    std::string usage;
    if (spec.server_auth) usage = "serverAuth";
    if (spec.client_auth) usage = usage.empty() ? "clientAuth" : usage + ",clientAuth";
    if (!usage.empty()) {
      if (absl::Status s = AddExtension(cert.get(), issuer, NID_ext_key_usage, usage); !s.ok()) {
        return s;
      }
    }
  }
  std::string san;
  auto add_san = [&san](std::string_view kind, const std::string& value) {
    if (!san.empty()) san += ",";
    absl::StrAppend(&san, Sv(kind), ":", value);
  };
  for (const std::string& dns : spec.dns_names) add_san("DNS", dns);
  for (const std::string& ip : spec.ip_addresses) add_san("IP", ip);
  for (const std::string& uri : spec.uris) add_san("URI", uri);
  if (!san.empty()) {
    if (absl::Status s = AddExtension(cert.get(), issuer, NID_subject_alt_name, san); !s.ok()) {
      return s;
    }
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return OpenSslError("cannot sign the certificate");
  }
  return cert;
}

std::string SerialHex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

absl::Time NotAfter(X509* cert) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return absl::InfinitePast();
  return absl::FromTM(tm, absl::UTCTimeZone());
}

}  // namespace otasuke::pki
