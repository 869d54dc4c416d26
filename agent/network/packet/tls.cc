#include "agent/network/packet/tls.h"

#include <openssl/evp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace otasuke::network {
namespace {

constexpr uint32_t kMaxRecord = 16384 + 2048;
constexpr uint32_t kMaxHandshake = 64 * 1024;

inline uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Be24(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 16 | static_cast<uint32_t>(p[1]) << 8 | p[2];
}
// GREASE values (RFC 8701) are left out of JA3.
inline bool IsGrease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

void AppendList(std::string* out, const std::vector<uint16_t>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out->push_back('-');
    absl::StrAppend(out, values[i]);
  }
}

}  // namespace

std::string TlsVersionName(uint16_t version) {
  switch (version) {
    case 0x0200:
      return "SSLv2";
    case 0x0300:
      return "SSLv3";
    case 0x0301:
      return "TLSv1";
    case 0x0302:
      return "TLS 1.1";
    case 0x0303:
      return "TLS 1.2";
    case 0x0304:
      return "TLS 1.3";
    default:
      return absl::StrFormat("0x%04x", version);
  }
}

namespace {

// JA3's lists (GREASE values left out).
struct Ja3Lists {
  std::vector<uint16_t> ciphers;
  std::vector<uint16_t> extensions;
  std::vector<uint16_t> groups;
  std::vector<uint16_t> point_formats;
};

// Walks a ClientHello body: the version, SNI and early_data offer, and the JA3 lists when
// `lists` is not null. False when it is malformed.
bool WalkClientHello(const uint8_t* body, uint32_t len, uint16_t* version, std::string* sni,
                     bool* early_data, Ja3Lists* lists) {
  if (len < 2 + 32 + 1) return false;
  *version = Be16(body);
  uint32_t pos = 34;
  const uint32_t sid_len = body[pos];
  pos += 1 + sid_len;
  if (pos + 2 > len) return false;
  const uint32_t cs_len = Be16(body + pos);
  pos += 2;
  if (pos + cs_len > len || cs_len % 2 != 0) return false;
  if (lists != nullptr) {
    for (uint32_t i = 0; i < cs_len; i += 2) {
      const uint16_t c = Be16(body + pos + i);
      if (!IsGrease(c)) lists->ciphers.push_back(c);
    }
  }
  pos += cs_len;
  if (pos + 1 > len) return false;
  pos += 1 + body[pos];  // compression methods
  if (pos > len) return false;
  if (pos + 2 <= len) {
    const uint32_t ext_total = Be16(body + pos);
    pos += 2;
    const uint32_t ext_end = std::min(len, pos + ext_total);
    while (pos + 4 <= ext_end) {
      const uint16_t type = Be16(body + pos);
      const uint32_t ext_len = Be16(body + pos + 2);
      pos += 4;
      if (pos + ext_len > ext_end) return false;
      const uint8_t* ext = body + pos;
      if (lists != nullptr && !IsGrease(type)) lists->extensions.push_back(type);
      if (type == 42) *early_data = true;  // early_data (RFC 8446 4.2.10)
      if (type == 0 && ext_len >= 5) {     // server_name
        const uint32_t list_len = Be16(ext);
        if (list_len + 2 <= ext_len && ext[2] == 0) {
          const uint32_t name_len = Be16(ext + 3);
          if (5 + name_len <= ext_len)
            sni->assign(reinterpret_cast<const char*>(ext + 5), name_len);
        }
      } else if (lists != nullptr && type == 10 && ext_len >= 2) {  // supported_groups
        const uint32_t list_len = std::min<uint32_t>(Be16(ext), ext_len - 2);
        for (uint32_t i = 0; i + 1 < list_len; i += 2) {
          const uint16_t g = Be16(ext + 2 + i);
          if (!IsGrease(g)) lists->groups.push_back(g);
        }
      } else if (lists != nullptr && type == 11 && ext_len >= 1) {  // ec_point_formats
        const uint32_t list_len = std::min<uint32_t>(ext[0], ext_len - 1);
        for (uint32_t i = 0; i < list_len; ++i) lists->point_formats.push_back(ext[1 + i]);
      }
      pos += ext_len;
    }
  }
  return true;
}

}  // namespace

bool ParseClientHello(const uint8_t* body, uint32_t len, TlsClientHello* hello) {
  if (!WalkClientHello(body, len, &hello->version, &hello->sni, &hello->early_data, nullptr)) {
    return false;
  }
  hello->body.assign(body, body + len);
  return true;
}

std::string TlsClientHello::Ja3() const {
  Ja3Lists lists;
  uint16_t walked_version = 0;
  std::string walked_sni;
  bool walked_early_data = false;
  if (body.empty() || !WalkClientHello(body.data(), static_cast<uint32_t>(body.size()),
                                       &walked_version, &walked_sni, &walked_early_data, &lists)) {
    return "";
  }
  std::string ja3 = absl::StrCat(walked_version, ",");
  AppendList(&ja3, lists.ciphers);
  ja3.push_back(',');
  AppendList(&ja3, lists.extensions);
  ja3.push_back(',');
  AppendList(&ja3, lists.groups);
  ja3.push_back(',');
  AppendList(&ja3, lists.point_formats);
  return ja3;
}

std::string TlsClientHello::Ja3Hash() const {
  const std::string ja3 = Ja3();
  if (ja3.empty()) return "";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(ja3.data(), ja3.size(), digest, &digest_len, EVP_md5(), nullptr);
  std::string hex;
  hex.reserve(2 * digest_len);
  for (unsigned int i = 0; i < digest_len; ++i) absl::StrAppendFormat(&hex, "%02x", digest[i]);
  return hex;
}

bool TlsParser::WantsBody(int direction, uint8_t type) const {
  return type == 22 && !hello_done_[direction];
}

void TlsParser::OnSkippedRecord(int direction, uint8_t type) {
  if (type != 23) return;
  // TLS 1.3 0-RTT data may precede the ServerHello: the handshake is not done yet (Suricata
  // waits for the ServerHello in that case too).
  if (direction == 0 && hello_.early_data && !server_hello_) return;
  encrypted_ = true;
  done_[0] = done_[1] = true;
}

bool TlsParser::OnRecord(int direction, uint8_t type, const uint8_t* data, uint32_t len) {
  if (type != 22) return false;  // only the hellos' handshake records are read
  if (direction == 1) {
    // ServerHello: type 2, then legacy_version; a supported_versions extension (TLS 1.3)
    // is not looked at.
    if (len >= 1 && data[0] == 2) server_hello_ = true;
    if (server_version_ == 0 && len >= 6 && data[0] == 2) server_version_ = Be16(data + 4);
    hello_done_[1] = true;
    return false;
  }
  if (handshake_.size() + len > kMaxHandshake) {
    failed_ = true;
    done_[0] = true;
    return false;
  }
  handshake_.insert(handshake_.end(), data, data + len);
  if (handshake_.size() < 4) return false;
  if (handshake_[0] != 1) {  // the client's first handshake message must be ClientHello
    failed_ = true;
    done_[0] = true;
    return false;
  }
  const uint32_t body_len = Be24(handshake_.data() + 1);
  if (handshake_.size() < 4 + body_len) return false;
  hello_done_[0] = true;
  const bool parsed = ParseClientHello(handshake_.data() + 4, body_len, &hello_);
  handshake_.clear();
  handshake_.shrink_to_fit();
  if (!parsed) {
    failed_ = true;
    done_[0] = true;
    return false;
  }
  has_client_hello_ = true;
  return true;
}

bool TlsParser::Feed(int direction, const uint8_t* data, uint32_t len) {
  bool completed = false;
  std::vector<uint8_t>& rec = record_[direction];
  uint32_t& skip = skip_[direction];
  while (!done_[direction] && len > 0) {
    if (skip > 0) {  // the body of a record that is not read
      const uint32_t take = std::min(len, skip);
      data += take;
      len -= take;
      skip -= take;
      continue;
    }
    if (rec.size() < 5) {
      const uint32_t take = std::min<uint32_t>(len, 5 - static_cast<uint32_t>(rec.size()));
      rec.insert(rec.end(), data, data + take);
      data += take;
      len -= take;
      if (rec.size() < 5) break;
      if (rec[0] < 20 || rec[0] > 24 || rec[1] != 3) {
        failed_ = direction == 0 && !has_client_hello_;
        done_[direction] = true;
        break;
      }
      const uint32_t body = Be16(rec.data() + 3);
      if (5 + body > kMaxRecord) {
        failed_ = direction == 0 && !has_client_hello_;
        done_[direction] = true;
        break;
      }
      if (!WantsBody(direction, rec[0])) {
        OnSkippedRecord(direction, rec[0]);
        skip = body;
        rec.clear();
        continue;
      }
    }
    const uint32_t need = 5 + Be16(rec.data() + 3);
    const uint32_t take = std::min<uint32_t>(len, need - static_cast<uint32_t>(rec.size()));
    rec.insert(rec.end(), data, data + take);
    data += take;
    len -= take;
    if (rec.size() < need) break;
    completed |= OnRecord(direction, rec[0], rec.data() + 5, need - 5);
    rec.clear();
  }
  for (int d : {0, 1}) {
    if (done_[d] && record_[d].capacity() > 0) {
      record_[d].clear();
      record_[d].shrink_to_fit();
    }
  }
  return completed;
}

}  // namespace otasuke::network
