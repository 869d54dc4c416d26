#include "tests/network/packet/packet_builder.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

namespace otasuke::network::testing {
namespace {

void Put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void Put32(Bytes& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v));
}
bool IsV6(const std::string& a) { return a.find(':') != std::string::npos; }
Bytes Addr(const std::string& a) {
  Bytes out(IsV6(a) ? 16 : 4);
  if (inet_pton(IsV6(a) ? AF_INET6 : AF_INET, a.c_str(), out.data()) != 1) {
    std::abort();  // a typo in a test address
  }
  return out;
}
uint16_t Checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (len % 2) sum += static_cast<uint32_t>(data[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}
Bytes Payload(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes L3(const Endpoints& e, uint8_t proto, const Bytes& l4) {
  return IsV6(e.src) ? Ipv6(e, proto, l4) : Ipv4(e, proto, l4);
}

}  // namespace

Bytes Tcp(const Endpoints& e, uint32_t seq, uint32_t ack, uint8_t flags, std::string_view payload,
          const Bytes& options) {
  Bytes padded = options;
  while (padded.size() % 4 != 0) padded.push_back(0);
  Bytes b;
  Put16(b, e.sport);
  Put16(b, e.dport);
  Put32(b, seq);
  Put32(b, ack);
  b.push_back(static_cast<uint8_t>((5 + padded.size() / 4) << 4));
  b.push_back(flags);
  Put16(b, 65535);
  Put16(b, 0);  // checksum: not validated by the engine
  Put16(b, 0);
  b.insert(b.end(), padded.begin(), padded.end());
  const Bytes p = Payload(payload);
  b.insert(b.end(), p.begin(), p.end());
  return b;
}

Bytes Udp(const Endpoints& e, std::string_view payload) {
  Bytes b;
  Put16(b, e.sport);
  Put16(b, e.dport);
  Put16(b, static_cast<uint16_t>(8 + payload.size()));
  Put16(b, 0);
  const Bytes p = Payload(payload);
  b.insert(b.end(), p.begin(), p.end());
  return b;
}

Bytes Icmp(uint8_t type, uint8_t code, std::string_view payload) {
  Bytes b = {type, code, 0, 0, 0, 1, 0, 1};
  const Bytes p = Payload(payload);
  b.insert(b.end(), p.begin(), p.end());
  const uint16_t sum = Checksum(b.data(), b.size());
  b[2] = static_cast<uint8_t>(sum >> 8);
  b[3] = static_cast<uint8_t>(sum);
  return b;
}

Bytes Ipv4(const Endpoints& e, uint8_t proto, const Bytes& l4, uint8_t ttl, uint16_t id,
           uint16_t frag_field) {
  Bytes b;
  b.push_back(0x45);
  b.push_back(0);
  Put16(b, static_cast<uint16_t>(20 + l4.size()));
  Put16(b, id);
  Put16(b, frag_field);
  b.push_back(ttl);
  b.push_back(proto);
  Put16(b, 0);
  const Bytes s = Addr(e.src);
  const Bytes d = Addr(e.dst);
  b.insert(b.end(), s.begin(), s.end());
  b.insert(b.end(), d.begin(), d.end());
  const uint16_t sum = Checksum(b.data(), 20);
  b[10] = static_cast<uint8_t>(sum >> 8);
  b[11] = static_cast<uint8_t>(sum);
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

Bytes Ipv6(const Endpoints& e, uint8_t first_next, const Bytes& ext_and_l4, uint8_t hop_limit) {
  Bytes b = {0x60, 0, 0, 0};
  Put16(b, static_cast<uint16_t>(ext_and_l4.size()));
  b.push_back(first_next);
  b.push_back(hop_limit);
  const Bytes s = Addr(e.src);
  const Bytes d = Addr(e.dst);
  b.insert(b.end(), s.begin(), s.end());
  b.insert(b.end(), d.begin(), d.end());
  b.insert(b.end(), ext_and_l4.begin(), ext_and_l4.end());
  return b;
}

Bytes Ethernet(const Bytes& l3, uint16_t ethertype, const std::vector<uint16_t>& vlans) {
  Bytes b = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
  for (size_t i = 0; i < vlans.size(); ++i) {
    Put16(b, i == 0 && vlans.size() > 1 ? 0x88a8 : 0x8100);
    Put16(b, vlans[i]);
  }
  Put16(b, ethertype);
  b.insert(b.end(), l3.begin(), l3.end());
  return b;
}

Bytes EthTcp(const Endpoints& e, uint32_t seq, uint32_t ack, uint8_t flags,
             std::string_view payload, const Bytes& options) {
  return Ethernet(L3(e, 6, Tcp(e, seq, ack, flags, payload, options)),
                  IsV6(e.src) ? 0x86dd : 0x0800);
}

Bytes TcpFastOpenOption() { return {34, 10, 0xc0, 0xff, 0xee, 0x00, 0x11, 0x22, 0x33, 0x44}; }

Bytes EthUdp(const Endpoints& e, std::string_view payload) {
  return Ethernet(L3(e, 17, Udp(e, payload)), IsV6(e.src) ? 0x86dd : 0x0800);
}

std::vector<Bytes> Ipv4Fragments(const Endpoints& e, uint8_t proto, const Bytes& l4, size_t chunk,
                                 uint16_t id) {
  std::vector<Bytes> out;
  for (size_t off = 0; off < l4.size(); off += chunk) {
    const size_t n = std::min(chunk, l4.size() - off);
    const bool more = off + n < l4.size();
    const Bytes part(l4.begin() + off, l4.begin() + off + n);
    const uint16_t field = static_cast<uint16_t>((more ? 0x2000 : 0) | (off / 8));
    out.push_back(Ethernet(Ipv4(e, proto, part, 64, id, field), 0x0800));
  }
  return out;
}

std::vector<Bytes> Ipv6Fragments(const Endpoints& e, uint8_t proto, const Bytes& l4, size_t chunk,
                                 uint32_t id) {
  std::vector<Bytes> out;
  for (size_t off = 0; off < l4.size(); off += chunk) {
    const size_t n = std::min(chunk, l4.size() - off);
    const bool more = off + n < l4.size();
    Bytes frag = {proto, 0};
    Put16(frag, static_cast<uint16_t>(off | (more ? 1 : 0)));
    Put32(frag, id);
    frag.insert(frag.end(), l4.begin() + off, l4.begin() + off + n);
    out.push_back(Ethernet(Ipv6(e, 44, frag), 0x86dd));
  }
  return out;
}

TcpSession::TcpSession(Endpoints e, uint32_t client_isn, uint32_t server_isn)
    : client_(e),
      client_isn_(client_isn),
      server_isn_(server_isn),
      client_next_(client_isn + 1),
      server_next_(server_isn + 1) {
  server_.src = e.dst;
  server_.dst = e.src;
  server_.sport = e.dport;
  server_.dport = e.sport;
}

std::vector<Bytes> TcpSession::Handshake() {
  return {EthTcp(client_, client_isn_, 0, 0x02, ""),
          EthTcp(server_, server_isn_, client_isn_ + 1, 0x12, ""),
          EthTcp(client_, client_isn_ + 1, server_isn_ + 1, 0x10, "")};
}

Bytes TcpSession::ClientData(std::string_view data, uint8_t flags) {
  Bytes b = EthTcp(client_, client_next_, server_next_, flags, data);
  client_next_ += static_cast<uint32_t>(data.size());
  return b;
}

Bytes TcpSession::ServerData(std::string_view data, uint8_t flags) {
  Bytes b = EthTcp(server_, server_next_, client_next_, flags, data);
  server_next_ += static_cast<uint32_t>(data.size());
  return b;
}

Bytes TcpSession::ClientAt(uint32_t offset, std::string_view data) {
  return EthTcp(client_, client_isn_ + 1 + offset, server_next_, 0x18, data);
}

Bytes TcpSession::ClientAck() { return EthTcp(client_, client_next_, server_next_, 0x10, ""); }
Bytes TcpSession::ServerAck() { return EthTcp(server_, server_next_, client_next_, 0x10, ""); }

Bytes TcpSession::ClientFin() {
  Bytes b = EthTcp(client_, client_next_, server_next_, 0x11, "");
  ++client_next_;
  return b;
}

Bytes TcpSession::ServerFin() {
  Bytes b = EthTcp(server_, server_next_, client_next_, 0x11, "");
  ++server_next_;
  return b;
}

void WritePcap(const std::string& path, const std::vector<Bytes>& frames, int link_type,
               int64_t start_sec) {
  pcap_t* dead = pcap_open_dead(link_type, 65535);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (dumper == nullptr) std::abort();
  int64_t usec = 0;
  for (const Bytes& frame : frames) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(start_sec + usec / 1000000);
    header.ts.tv_usec = static_cast<suseconds_t>(usec % 1000000);
    header.caplen = header.len = static_cast<bpf_u_int32>(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header, frame.data());
    usec += 1000;
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

namespace {

// The test program's own directory, removed when it exits so that runs leave nothing behind.
// A forked child (a death test) exits too, so only the process that made it removes it.
const std::filesystem::path* temp_dir = nullptr;
pid_t temp_dir_owner = 0;

void RemoveTempDir() {
  if (getpid() != temp_dir_owner) return;
  std::error_code ignored;
  std::filesystem::remove_all(*temp_dir, ignored);
}

}  // namespace

std::string TempPath(std::string_view name) {
  if (temp_dir == nullptr) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::filesystem::path dir = tmp != nullptr ? tmp : std::filesystem::temp_directory_path();
    dir /= "otasuke-network-" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    temp_dir = new std::filesystem::path(std::move(dir));
    temp_dir_owner = getpid();
    std::atexit(RemoveTempDir);
  }
  return (*temp_dir / std::string(name)).string();
}

std::string TlsRecord(uint8_t type, std::string_view body) {
  std::string record = {static_cast<char>(type), 3, 3, static_cast<char>(body.size() >> 8),
                        static_cast<char>(body.size())};
  record += body;
  return record;
}

namespace {

// A handshake message: type, 24-bit length, body.
std::string Handshake(uint8_t type, std::string_view body) {
  std::string message = {static_cast<char>(type), static_cast<char>(body.size() >> 16),
                         static_cast<char>(body.size() >> 8), static_cast<char>(body.size())};
  message += body;
  return message;
}

}  // namespace

std::string TlsClientHelloRecord(std::string_view sni, bool early_data) {
  std::string body = {3, 3};
  body.append(32, 'r');                      // random
  body.append({0, 0, 2, 0x13, 0x01, 1, 0});  // no session id, cipher 4865, null compression
  std::string ext = {0,
                     0,
                     0,
                     static_cast<char>(sni.size() + 5),
                     0,
                     static_cast<char>(sni.size() + 3),
                     0,
                     0,
                     static_cast<char>(sni.size())};
  ext += sni;
  if (early_data) ext.append({0, 42, 0, 0});
  body.push_back(static_cast<char>(ext.size() >> 8));
  body.push_back(static_cast<char>(ext.size()));
  body += ext;
  std::string record = TlsRecord(22, Handshake(1, body));
  record[2] = 1;  // a ClientHello's record says TLS 1.0, as clients send it
  return record;
}

std::string TlsServerHelloRecord() {
  std::string body = {3, 3};
  body.append(32, 's');             // random
  body.append({0, 0x13, 0x01, 0});  // no session id, cipher 4865, null compression
  return TlsRecord(22, Handshake(2, body));
}

std::vector<Bytes> TlsSessionWithApplicationData(std::string_view sni, std::string_view secret) {
  TcpSession s(Endpoints{"10.0.0.1", "10.0.0.2", 50000, 443});
  std::vector<Bytes> frames = s.Handshake();
  frames.push_back(s.ClientData(TlsClientHelloRecord(sni)));
  frames.push_back(s.ServerData(TlsServerHelloRecord() + TlsRecord(20, "\x01")));
  frames.push_back(s.ClientData(TlsRecord(20, "\x01")));
  frames.push_back(s.ServerAck());
  frames.push_back(s.ClientData(TlsRecord(23, "xx " + std::string(secret) + " one")));
  frames.push_back(s.ServerAck());
  frames.push_back(s.ClientData(TlsRecord(23, "yy " + std::string(secret) + " two")));
  frames.push_back(s.ServerData(TlsRecord(23, "reply")));
  frames.push_back(s.ClientAck());
  frames.push_back(s.ClientFin());
  frames.push_back(s.ServerFin());
  return frames;
}

}  // namespace otasuke::network::testing
