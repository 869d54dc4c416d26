// libFuzzer target: the untrusted bytes of identity — an EnrollRequest as it arrives, the CSR and
// agent id inside it, a client certificate presented on a stream, and the console
// "authorization" header. Each must be refused with a status, never crash or hang.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collector/auth/authenticator.h"
#include "collector/auth/console_tokens.h"
#include "collector/pki/certificate_authority.h"
#include "common/x509.h"
#include "otasuke/v1/identity_service.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string_view secret = otasuke::collector::BearerSecret(bytes);
  if (secret.size() > bytes.size()) __builtin_trap();
  otasuke::v1::EnrollRequest request;
  if (request.ParseFromArray(data, static_cast<int>(size))) {
    (void)otasuke::collector::ValidateName("agent id", request.agent_id());
    (void)otasuke::pki::ParseAndVerifyCsrPem(request.csr_pem());
  }
  (void)otasuke::pki::ParseAndVerifyCsrPem(bytes);
  (void)otasuke::collector::CertificateAuthority::IdentifyAgent(bytes);
  (void)otasuke::pki::NormalizeFingerprint(bytes);
  return 0;
}
