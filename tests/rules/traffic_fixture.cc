#include "tests/rules/traffic_fixture.h"

#include <arpa/inet.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "tests/network/packet/packet_builder.h"

namespace otasuke::rules_test {
namespace {

using network::testing::Bytes;
using network::testing::Endpoints;
using network::testing::TcpSession;
using Json = nlohmann::json;

constexpr uint8_t kSyn = 0x02;

// A numeric field in [0, max]; nlohmann would silently wrap -1 into 65535.
uint16_t Number16(const Json& j, const char* key) {
  const int64_t v = j.at(key).get<int64_t>();
  if (v < 0 || v > 65535) {
    throw std::out_of_range(absl::StrCat("'", key, "' = ", v, " is outside 0..65535"));
  }
  return static_cast<uint16_t>(v);
}

// An IPv4 or IPv6 address (the packet builder aborts on a malformed one).
std::string Address(const std::string& text, const char* key) {
  unsigned char buf[16];
  const int family = text.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(family, text.c_str(), buf) != 1) {
    throw std::invalid_argument(absl::StrCat("'", key, "' = '", text, "' is not an IP address"));
  }
  return text;
}
std::string Address(const Json& j, const char* key) {
  return Address(j.at(key).get<std::string>(), key);
}
constexpr uint8_t kSynAck = 0x12;

// A DNS query message: header with RD set and one question of type A, class IN.
std::string DnsQuery(uint16_t id, const std::string& name) {
  std::string m;
  m.push_back(static_cast<char>(id >> 8));
  m.push_back(static_cast<char>(id & 0xff));
  m.append({'\x01', '\x00', '\x00', '\x01', '\x00', '\x00', '\x00', '\x00', '\x00', '\x00'});
  for (absl::string_view label : absl::StrSplit(name, '.', absl::SkipEmpty())) {
    m.push_back(static_cast<char>(label.size()));
    m.append(label.data(), label.size());
  }
  m.append({'\x00', '\x00', '\x01', '\x00', '\x01'});
  return m;
}

void AddSynFanout(const Json& j, std::vector<Bytes>* frames) {
  const int first = Number16(j, "first");
  const int count = Number16(j, "count");
  const bool answered = j.value("answered", false);
  for (int i = 0; i < count; ++i) {
    Endpoints e{.src = Address(j, "src"),
                .dst = Address(absl::StrCat(j.at("dst_prefix").get<std::string>(), first + i),
                               "dst_prefix"),
                .sport = static_cast<uint16_t>(40000 + frames->size()),
                .dport = Number16(j, "dport")};
    frames->push_back(network::testing::EthTcp(e, 1000, 0, kSyn, ""));
    if (answered) {
      Endpoints back{.src = e.dst, .dst = e.src, .sport = e.dport, .dport = e.sport};
      frames->push_back(network::testing::EthTcp(back, 5000, 1001, kSynAck, ""));
    }
  }
}

void AddTcpSession(const Json& j, std::vector<Bytes>* frames) {
  TcpSession s(Endpoints{.src = Address(j, "src"),
                         .dst = Address(j, "dst"),
                         .sport = Number16(j, "sport"),
                         .dport = Number16(j, "dport")});
  for (Bytes& f : s.Handshake()) frames->push_back(std::move(f));
  frames->push_back(s.ClientData(j.at("client").get<std::string>()));
  frames->push_back(s.ServerAck());
  frames->push_back(s.ServerData(j.at("server").get<std::string>()));
  frames->push_back(s.ClientAck());
  frames->push_back(s.ClientFin());
  frames->push_back(s.ServerFin());
  frames->push_back(s.ClientAck());
}

void AddUdp(const Json& j, std::vector<Bytes>* frames) {
  Endpoints e{.src = Address(j, "src"),
              .dst = Address(j, "dst"),
              .sport = Number16(j, "sport"),
              .dport = Number16(j, "dport")};
  frames->push_back(network::testing::EthUdp(e, j.at("payload").get<std::string>()));
}

void AddDnsQuery(const Json& j, std::vector<Bytes>* frames) {
  Endpoints e{.src = Address(j, "src"),
              .dst = Address(j, "dst"),
              .sport = static_cast<uint16_t>(50000 + frames->size()),
              .dport = 53};
  const std::string query = DnsQuery(Number16(j, "id"), j.at("name").get<std::string>());
  frames->push_back(network::testing::EthUdp(e, query));
}

}  // namespace

absl::Status WriteTrafficPcap(const std::string& spec_path, const std::string& pcap_path) {
  std::ifstream in(spec_path);
  if (!in) return absl::NotFoundError(absl::StrCat(spec_path, ": cannot read"));
  std::stringstream text;
  text << in.rdbuf();
  std::vector<Bytes> frames;
  size_t item = 0;
  try {
    const Json spec = Json::parse(text.str());
    for (const Json& packet : spec.at("packets")) {
      if (!packet.is_object() || packet.size() != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(spec_path, ": packets[", item, "]: expected an object with one key"));
      }
      const std::string kind = packet.begin().key();
      const Json& args = packet.begin().value();
      if (kind == "syn_fanout") {
        AddSynFanout(args, &frames);
      } else if (kind == "tcp_session") {
        AddTcpSession(args, &frames);
      } else if (kind == "udp") {
        AddUdp(args, &frames);
      } else if (kind == "dns_query") {
        AddDnsQuery(args, &frames);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(spec_path, ": packets[", item, "]: unknown item '", kind, "'"));
      }
      ++item;
    }
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(spec_path, ": packets[", item, "]: ", e.what()));
  } catch (const std::logic_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(spec_path, ": packets[", item, "]: ", e.what()));
  }
  network::testing::WritePcap(pcap_path, frames);
  return absl::OkStatus();
}

}  // namespace otasuke::rules_test
