#pragma once
// TLS ClientHello parsing: collects the client's first handshake message across records and
// segments (bounded), then reads the SNI and computes the JA3 fingerprint. The server side
// only yields the negotiated version from the ServerHello.

#include <cstdint>
#include <string>
#include <vector>

namespace otasuke::network {

struct TlsClientHello {
  uint16_t version = 0;  // legacy_version of the ClientHello
  std::string sni;
  std::vector<uint8_t> body;  // the handshake body, for the fingerprints below

  // JA3 ("771,4865-4866,0-23-65281,29-23,0") and its MD5 in hex; empty without a ClientHello.
  // Computed on demand from `body`: only alerts report them, and building the string (a number
  // formatted per cipher and extension) and an MD5 through OpenSSL (≈ 14,000 instructions with
  // its per-call algorithm fetch) for every ClientHello were a tenth of the packet path's
  // instructions on TLS-heavy traffic.
  std::string Ja3() const;
  std::string Ja3Hash() const;
};

// Parses a ClientHello handshake body (after the 4-byte handshake header). False when it is
// malformed.
bool ParseClientHello(const uint8_t* body, uint32_t len, TlsClientHello* hello);

// "TLS 1.2", "TLSv1", ... as Suricata's EVE names versions.
std::string TlsVersionName(uint16_t version);

class TlsParser {
 public:
  // Feeds stream bytes of one direction. Returns true when this call completed the
  // ClientHello (direction 0).
  bool Feed(int direction, const uint8_t* data, uint32_t len);
  void OnGap(int direction) { done_[direction] = true; }

  bool has_client_hello() const { return has_client_hello_; }
  const TlsClientHello& client_hello() const { return hello_; }
  uint16_t server_version() const { return server_version_; }
  bool failed() const { return failed_; }
  size_t memory() const {
    return record_[0].capacity() + record_[1].capacity() + handshake_.capacity() +
           hello_.body.capacity();
  }

 private:
  bool OnRecord(int direction, uint8_t type, const uint8_t* data, uint32_t len);

  std::vector<uint8_t> record_[2];  // partial record per direction
  std::vector<uint8_t> handshake_;  // ClientHello handshake bytes collected so far
  bool done_[2] = {false, false};
  bool has_client_hello_ = false;
  bool failed_ = false;
  TlsClientHello hello_;
  uint16_t server_version_ = 0;
};

}  // namespace otasuke::network
