#pragma once
// TLS ClientHello parsing: collects the client's first handshake message across records and
// segments (bounded), then reads the SNI and computes the JA3 fingerprint. The server side
// only yields the negotiated version from the ServerHello. Both directions are then followed
// record header by record header (bodies passed over unread) until the session carries
// encrypted application data, which is what Suricata's TLS encryption handling acts on.

#include <cstdint>
#include <string>
#include <vector>

namespace otasuke::network {

struct TlsClientHello {
  uint16_t version = 0;  // legacy_version of the ClientHello
  std::string sni;
  std::vector<uint8_t> body;  // the handshake body, for the fingerprints below
  bool early_data = false;    // offers TLS 1.3 0-RTT data (early_data extension)

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

  // An application data record was seen in either direction (not counting TLS 1.3 early data
  // before the ServerHello): the session is encrypted from here on. Suricata's trigger for
  // app-layer.protocols.tls.encryption-handling. Both directions are done then: nothing after
  // it is read.
  bool encrypted() const { return encrypted_; }
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
  // Whether the body of a record of `type` in `direction` is read (the hellos) or passed over.
  bool WantsBody(int direction, uint8_t type) const;
  // A record whose body is passed over: application data marks the session encrypted.
  void OnSkippedRecord(int direction, uint8_t type);

  std::vector<uint8_t> record_[2];  // partial record per direction (header, then a hello's body)
  uint32_t skip_[2] = {0, 0};       // body bytes of the current record still to pass over
  std::vector<uint8_t> handshake_;  // ClientHello handshake bytes collected so far
  bool done_[2] = {false, false};   // nothing more is read in this direction
  bool hello_done_[2] = {false, false};  // the direction's hello was read (or given up)
  bool server_hello_ = false;            // a ServerHello was seen
  bool encrypted_ = false;
  bool has_client_hello_ = false;
  bool failed_ = false;
  TlsClientHello hello_;
  uint16_t server_version_ = 0;
};

}  // namespace otasuke::network
