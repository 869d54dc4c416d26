#include "agent/network/packet/dns.h"

#include <arpa/inet.h>

#include "absl/strings/str_cat.h"

namespace otasuke::network {
namespace {

constexpr uint32_t kMaxRecords = 64;
constexpr uint32_t kMaxNameLength = 255;
constexpr uint32_t kMaxTcpMessage = 65535;

inline uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// Reads a (possibly compressed) name at *offset; advances *offset past it in the record.
bool ReadName(const uint8_t* msg, uint32_t len, uint32_t* offset, std::string* name) {
  uint32_t pos = *offset;
  bool jumped = false;
  int jumps = 0;
  name->clear();
  while (true) {
    if (pos >= len) return false;
    const uint8_t label = msg[pos];
    if (label == 0) {
      if (!jumped) *offset = pos + 1;
      return true;
    }
    if ((label & 0xc0) == 0xc0) {
      if (pos + 1 >= len || ++jumps > 32) return false;
      const uint32_t target = ((label & 0x3fu) << 8) | msg[pos + 1];
      if (!jumped) *offset = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((label & 0xc0) != 0) return false;
    if (pos + 1 + label > len) return false;
    if (!name->empty()) name->push_back('.');
    name->append(reinterpret_cast<const char*>(msg + pos + 1), label);
    if (name->size() > kMaxNameLength) return false;
    pos += 1 + label;
  }
}

}  // namespace

std::string DnsTypeName(uint16_t type) {
  switch (type) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 5:
      return "CNAME";
    case 6:
      return "SOA";
    case 12:
      return "PTR";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 28:
      return "AAAA";
    case 33:
      return "SRV";
    case 35:
      return "NAPTR";
    case 41:
      return "OPT";
    case 43:
      return "DS";
    case 46:
      return "RRSIG";
    case 48:
      return "DNSKEY";
    case 64:
      return "SVCB";
    case 65:
      return "HTTPS";
    case 255:
      return "ANY";
    default:
      return absl::StrCat(type);
  }
}

std::string DnsRcodeName(uint8_t rcode) {
  switch (rcode) {
    case 0:
      return "NOERROR";
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED";
    default:
      return absl::StrCat(rcode);
  }
}

bool ParseDnsMessage(const uint8_t* data, uint32_t len, DnsMessage* message) {
  if (len < 12) return false;
  message->id = Be16(data);
  const uint16_t flags = Be16(data + 2);
  message->response = (flags & 0x8000) != 0;
  message->opcode = (flags >> 11) & 0xf;
  message->rcode = flags & 0xf;
  const uint32_t qd = Be16(data + 4);
  const uint32_t an = Be16(data + 6);
  if (qd > kMaxRecords || (qd == 0 && !message->response)) return false;
  uint32_t pos = 12;
  message->questions.clear();
  message->answers.clear();
  for (uint32_t i = 0; i < qd; ++i) {
    DnsQuestion q;
    if (!ReadName(data, len, &pos, &q.name) || pos + 4 > len) return false;
    q.type = Be16(data + pos);
    q.klass = Be16(data + pos + 2);
    pos += 4;
    message->questions.push_back(std::move(q));
  }
  for (uint32_t i = 0; i < an && i < kMaxRecords; ++i) {
    DnsAnswer a;
    if (!ReadName(data, len, &pos, &a.name) || pos + 10 > len) break;
    a.type = Be16(data + pos);
    a.ttl = static_cast<uint32_t>(Be16(data + pos + 4)) << 16 | Be16(data + pos + 6);
    const uint32_t rdlen = Be16(data + pos + 8);
    pos += 10;
    if (pos + rdlen > len) break;
    char text[INET6_ADDRSTRLEN] = {};
    if (a.type == 1 && rdlen == 4) {
      inet_ntop(AF_INET, data + pos, text, sizeof(text));
      a.data = text;
    } else if (a.type == 28 && rdlen == 16) {
      inet_ntop(AF_INET6, data + pos, text, sizeof(text));
      a.data = text;
    } else if (a.type == 5 || a.type == 2 || a.type == 12) {
      uint32_t name_pos = pos;
      ReadName(data, pos + rdlen, &name_pos, &a.data);
    }
    pos += rdlen;
    message->answers.push_back(std::move(a));
  }
  return true;
}

bool DnsParser::FeedDatagram(int direction, const uint8_t* data, uint32_t len) {
  DnsMessage message;
  if (!ParseDnsMessage(data, len, &message)) {
    ++parse_errors_;
    return false;
  }
  message.tx_id = next_tx_++;
  messages_.push_back(std::move(message));
  return true;
}

void DnsParser::FeedStream(int direction, const uint8_t* data, uint32_t len) {
  if (failed_[direction]) return;
  std::vector<uint8_t>& buf = pending_[direction];
  buf.insert(buf.end(), data, data + len);
  size_t pos = 0;
  while (buf.size() - pos >= 2) {
    const uint32_t msg_len = Be16(buf.data() + pos);
    if (msg_len == 0 || msg_len > kMaxTcpMessage) {
      failed_[direction] = true;
      break;
    }
    if (buf.size() - pos - 2 < msg_len) break;
    DnsMessage message;
    if (ParseDnsMessage(buf.data() + pos + 2, msg_len, &message)) {
      message.tx_id = next_tx_++;
      messages_.push_back(std::move(message));
    } else {
      ++parse_errors_;
    }
    pos += 2 + msg_len;
  }
  buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(pos));
  if (failed_[direction]) buf.clear();
}

}  // namespace otasuke::network
