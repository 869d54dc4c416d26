#pragma once
// Crafted packets for tests: Ethernet / VLAN / SLL frames around IPv4 / IPv6 with TCP, UDP
// or ICMP, IPv4 and IPv6 fragments, and a writer that dumps them into a pcap file with
// libpcap (pcap_dump), so tests read real capture files.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace otasuke::network::testing {

using Bytes = std::vector<uint8_t>;

struct Endpoints {
  std::string src = "10.0.0.1";
  std::string dst = "10.0.0.2";
  uint16_t sport = 40000;
  uint16_t dport = 80;
};

// `options` (raw TCP option bytes) are padded with end-of-list bytes to a multiple of 4.
Bytes Tcp(const Endpoints& e, uint32_t seq, uint32_t ack, uint8_t flags, std::string_view payload,
          const Bytes& options = {});
// The TCP Fast Open option (kind 34) with an 8-byte cookie.
Bytes TcpFastOpenOption();
Bytes Udp(const Endpoints& e, std::string_view payload);
Bytes Icmp(uint8_t type, uint8_t code, std::string_view payload);
// An IPv4 header (checksum filled) around an L4 segment.
Bytes Ipv4(const Endpoints& e, uint8_t proto, const Bytes& l4, uint8_t ttl = 64, uint16_t id = 1,
           uint16_t frag_field = 0);
// IPv6 header; `ext` is a chain of extension headers placed before the L4 data, and
// `first_next` the next-header value naming the first of them (or the L4 protocol).
Bytes Ipv6(const Endpoints& e, uint8_t first_next, const Bytes& ext_and_l4, uint8_t hop_limit = 64);
Bytes Ethernet(const Bytes& l3, uint16_t ethertype, const std::vector<uint16_t>& vlans = {});

// Convenience: Ethernet + IPv4 (or IPv6 when addresses contain ':') + TCP.
Bytes EthTcp(const Endpoints& e, uint32_t seq, uint32_t ack, uint8_t flags,
             std::string_view payload, const Bytes& options = {});
Bytes EthUdp(const Endpoints& e, std::string_view payload);

// TLS records: one record of `type` (22 handshake, 20 ChangeCipherSpec, 23 application data)
// around `body`; a ClientHello (TLS 1.2, cipher 4865, server_name `sni`, and the early_data
// extension when asked) and a ServerHello, each in a handshake record.
std::string TlsRecord(uint8_t type, std::string_view body);
std::string TlsClientHelloRecord(std::string_view sni, bool early_data = false);
std::string TlsServerHelloRecord();
// A TLS session from 10.0.0.1:50000 to 10.0.0.2:443, as Ethernet frames: TCP handshake,
// ClientHello (SNI `sni`), ServerHello + ChangeCipherSpec, the client's ChangeCipherSpec, then
// two client application data records each holding `secret` (each acknowledged), one from the
// server, and both FINs: 8 packets to the server.
std::vector<Bytes> TlsSessionWithApplicationData(std::string_view sni, std::string_view secret);

// Splits an IPv4 datagram's payload (after its 20-byte header) into fragments of
// `chunk` bytes (multiple of 8), each a full Ethernet frame; `order` permutes them.
std::vector<Bytes> Ipv4Fragments(const Endpoints& e, uint8_t proto, const Bytes& l4, size_t chunk,
                                 uint16_t id);
std::vector<Bytes> Ipv6Fragments(const Endpoints& e, uint8_t proto, const Bytes& l4, size_t chunk,
                                 uint32_t id);

// A TCP session helper that tracks sequence numbers of both sides.
class TcpSession {
 public:
  explicit TcpSession(Endpoints e, uint32_t client_isn = 1000, uint32_t server_isn = 5000);
  std::vector<Bytes> Handshake();
  // Client / server data at the current position (advances it).
  Bytes ClientData(std::string_view data, uint8_t flags = 0x18);
  Bytes ServerData(std::string_view data, uint8_t flags = 0x18);
  // A segment at an explicit offset from the start of the side's data (no advance).
  Bytes ClientAt(uint32_t offset, std::string_view data);
  Bytes ClientAck();  // pure ACK from the client of everything the server sent
  Bytes ServerAck();  // pure ACK from the server of everything the client sent
  Bytes ClientFin();
  Bytes ServerFin();
  void AdvanceClient(uint32_t n) { client_next_ += n; }

 private:
  Endpoints client_;
  Endpoints server_;
  uint32_t client_isn_;
  uint32_t server_isn_;
  uint32_t client_next_;
  uint32_t server_next_;
};

// Writes frames (link type Ethernet unless given) to `path` with microsecond timestamps
// one millisecond apart, starting at `start_sec`.
void WritePcap(const std::string& path, const std::vector<Bytes>& frames, int link_type = 1,
               int64_t start_sec = 1700000000);

// A path under the test program's temporary directory (removed when the program exits).
std::string TempPath(std::string_view name);

}  // namespace otasuke::network::testing
