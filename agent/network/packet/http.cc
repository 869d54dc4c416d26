#include "agent/network/packet/http.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "common/strings.h"

namespace otasuke::network {
namespace {

constexpr int kToServer = 0;
constexpr int kToClient = 1;

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void PercentDecode(std::string_view in, std::string* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out->push_back(in[i]);
  }
}

// RFC 3986 section 5.2.4, on a decoded path.
std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> parts;
  const bool absolute = !path.empty() && path.front() == '/';
  size_t pos = absolute ? 1 : 0;
  bool trailing_slash = false;
  while (pos <= path.size()) {
    const size_t slash = path.find('/', pos);
    const std::string_view seg =
        path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    trailing_slash = false;
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
      trailing_slash = true;
    } else if (seg == ".") {
      trailing_slash = true;
    } else {
      parts.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(parts[i]);
  }
  if (trailing_slash && !out.empty() && out.back() != '/') out.push_back('/');
  return out;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= 32 || c >= 127 || c == ':' || c == '(' || c == ')' || c == ',' || c == '/') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string NormalizeUri(std::string_view raw) {
  std::string_view target = raw;
  // Absolute form: cut "scheme://authority".
  const size_t scheme_end = target.find("://");
  if (scheme_end != std::string_view::npos && scheme_end > 0 &&
      target.find_first_of("/?") > scheme_end) {
    const size_t path_start = target.find_first_of("/?", scheme_end + 3);
    target =
        path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
  }
  const size_t query_at = target.find('?');
  const std::string_view path = target.substr(0, query_at);
  std::string decoded;
  decoded.reserve(path.size());
  PercentDecode(path, &decoded);
  std::string out = RemoveDotSegments(decoded);
  if (query_at != std::string_view::npos) {
    out.push_back('?');
    PercentDecode(target.substr(query_at + 1), &out);
  }
  return out;
}

bool HttpTransaction::FindHeader(const std::vector<HttpHeader>& headers, std::string_view name,
                                 std::string_view* value) {
  for (const HttpHeader& h : headers) {
    if (absl::EqualsIgnoreCase(Sv(h.name), Sv(name))) {
      *value = h.value;
      return true;
    }
  }
  return false;
}

HttpFieldIndex HttpTransaction::IndexFields(const std::vector<HttpHeader>& headers, bool response) {
  HttpFieldIndex index;
  auto note = [&](HttpField field, int32_t at) {
    int32_t& slot = index.at[static_cast<size_t>(field)];
    if (slot < 0) slot = at;
  };
  const std::string_view cookie = response ? "set-cookie" : "cookie";
  for (size_t i = 0; i < headers.size(); ++i) {
    const absl::string_view name = Sv(headers[i].name);
    const int32_t at = static_cast<int32_t>(i);
    if (absl::EqualsIgnoreCase(name, "host")) {
      note(HttpField::kHost, at);
    } else if (absl::EqualsIgnoreCase(name, "user-agent")) {
      note(HttpField::kUserAgent, at);
    } else if (absl::EqualsIgnoreCase(name, "referer")) {
      note(HttpField::kReferer, at);
    } else if (absl::EqualsIgnoreCase(name, Sv(cookie))) {
      note(HttpField::kCookie, at);
    } else if (absl::EqualsIgnoreCase(name, "content-type")) {
      note(HttpField::kContentType, at);
    }
  }
  return index;
}

std::string HttpTransaction::JoinHeaders(const std::vector<HttpHeader>& headers) {
  std::string out;
  for (const HttpHeader& h : headers) {
    out.append(h.name);
    out.append(": ");
    out.append(h.value);
    out.append("\r\n");
  }
  return out;
}

std::string HttpTransaction::NormalizedHost() const {
  std::string_view host;
  if (!FindHeader(request_headers, "host", &host)) return "";
  std::string out(host);
  if (!out.empty() && out.front() == '[') {
    const size_t close = out.find(']');
    if (close != std::string::npos) out.resize(close + 1);
  } else {
    const size_t colon = out.rfind(':');
    if (colon != std::string::npos) out.resize(colon);
  }
  absl::AsciiStrToLower(&out);
  return out;
}

size_t HttpParser::memory() const {
  size_t total = side_[0].line.capacity() + side_[1].line.capacity();
  for (const HttpTransaction& tx : txs_) {
    total += sizeof(tx) + tx.request_headers_raw.capacity() + tx.response_headers_raw.capacity() +
             tx.request_body.capacity() + tx.response_body.capacity() + tx.uri_raw.capacity() * 2 +
             tx.request_headers_joined.capacity() + tx.response_headers_joined.capacity();
  }
  return total;
}

HttpTransaction* HttpParser::NewTransaction() {
  if (txs_.size() >= config_.max_transactions) {
    // An unanswered pipeline this deep is abuse; forget the oldest, but never one a side is
    // still writing into.
    if (&txs_.front() == side_[0].tx || &txs_.front() == side_[1].tx) return nullptr;
    touched_.erase(std::remove(touched_.begin(), touched_.end(), &txs_.front()), touched_.end());
    txs_.pop_front();
  }
  txs_.emplace_back();
  txs_.back().id = next_tx_id_++;
  return &txs_.back();
}

void HttpParser::Touch(HttpTransaction* tx) {
  if (tx == nullptr) return;
  if (std::find(touched_.begin(), touched_.end(), tx) == touched_.end()) touched_.push_back(tx);
}

void HttpParser::ReleaseCompleted() {
  while (!txs_.empty() && txs_.front().request_complete && txs_.front().response_complete &&
         side_[0].tx != &txs_.front() && side_[1].tx != &txs_.front()) {
    txs_.pop_front();
  }
}

void HttpParser::Feed(int direction, const uint8_t* data, uint32_t len) {
  Side& side = side_[direction];
  const char* p = reinterpret_cast<const char*>(data);
  const char* end = p + len;
  while (p < end) {
    switch (side.state) {
      case State::kFailed:
      case State::kPassthrough:
        return;
      case State::kStartLine:
      case State::kHeaders:
      case State::kChunkSize:
      case State::kChunkDataEnd:
      case State::kChunkTrailer: {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
        const size_t take = nl == nullptr ? end - p : nl - p + 1;
        if (side.line.size() + take > config_.max_line) {
          side.state = State::kFailed;
          return;
        }
        if (side.state == State::kHeaders) {
          side.header_bytes += static_cast<uint32_t>(take);
          if (side.header_bytes > config_.max_header_bytes) {
            side.state = State::kFailed;
            return;
          }
          if (side.tx != nullptr) {
            std::string& raw = direction == kToServer ? side.tx->request_headers_raw
                                                      : side.tx->response_headers_raw;
            raw.append(p, take);
          }
        }
        side.line.append(p, take);
        p += take;
        if (nl == nullptr) return;
        std::string_view line(side.line);
        line.remove_suffix(1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!OnLine(direction, line)) side.state = State::kFailed;
        side.line.clear();
        break;
      }
      case State::kBodyLength:
      case State::kChunkData: {
        const uint32_t take = static_cast<uint32_t>(
            std::min<uint64_t>(side.remaining, static_cast<uint64_t>(end - p)));
        OnBody(direction, reinterpret_cast<const uint8_t*>(p), take);
        p += take;
        side.remaining -= take;
        if (side.remaining == 0) {
          if (side.state == State::kBodyLength) {
            CompleteMessage(direction);
          } else {
            side.state = State::kChunkDataEnd;
          }
        }
        break;
      }
      case State::kBodyUntilClose:
        OnBody(direction, reinterpret_cast<const uint8_t*>(p), static_cast<uint32_t>(end - p));
        return;
    }
  }
}

bool HttpParser::OnLine(int direction, std::string_view line) {
  Side& side = side_[direction];
  switch (side.state) {
    case State::kStartLine:
      if (line.empty()) return true;  // stray CRLF between messages is tolerated
      return OnStartLine(direction, line);
    case State::kHeaders:
      if (line.empty()) {
        OnHeadersDone(direction);
        return true;
      }
      return OnHeaderLine(direction, line);
    case State::kChunkSize: {
      std::string_view size_text = line.substr(0, line.find(';'));
      size_text = TrimWs(size_text);
      uint64_t size = 0;
      if (size_text.empty() || size_text.size() > 15) return false;
      for (char c : size_text) {
        const int v = HexValue(c);
        if (v < 0) return false;
        size = size * 16 + v;
      }
      if (size == 0) {
        side.state = State::kChunkTrailer;
      } else {
        side.remaining = size;
        side.state = State::kChunkData;
      }
      return true;
    }
    case State::kChunkDataEnd:
      if (!line.empty()) return false;
      side.state = State::kChunkSize;
      return true;
    case State::kChunkTrailer:
      if (line.empty()) CompleteMessage(direction);
      return true;
    default:
      return false;
  }
}

bool HttpParser::OnStartLine(int direction, std::string_view line) {
  Side& side = side_[direction];
  if (direction == kToServer) {
    const size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || !IsToken(line.substr(0, sp1))) return false;
    std::string_view rest = line.substr(sp1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    std::string_view uri = rest;
    std::string_view protocol;
    const size_t sp2 = rest.rfind(' ');
    if (sp2 != std::string_view::npos && absl::StartsWith(Sv(rest.substr(sp2 + 1)), "HTTP/")) {
      protocol = rest.substr(sp2 + 1);
      uri = rest.substr(0, sp2);
      while (!uri.empty() && uri.back() == ' ') uri.remove_suffix(1);
    }
    HttpTransaction* tx = NewTransaction();
    if (tx == nullptr) return false;
    tx->method = std::string(line.substr(0, sp1));
    tx->uri_raw = std::string(uri);
    tx->uri = NormalizeUri(uri);
    tx->request_protocol = std::string(protocol);
    tx->request_line = std::string(line);
    tx->request_started = true;
    side.tx = tx;
    side.header_bytes = 0;
    Touch(tx);
    if (protocol.empty()) {  // HTTP/0.9: no headers, no body
      tx->request_headers_done = true;
      CompleteMessage(direction);
      return true;
    }
    side.state = State::kHeaders;
    return true;
  }
  if (!absl::StartsWith(Sv(line), "HTTP/")) return false;
  const size_t sp1 = line.find(' ');
  std::string_view protocol = line.substr(0, sp1);
  std::string_view rest = sp1 == std::string_view::npos ? "" : line.substr(sp1 + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const size_t sp2 = rest.find(' ');
  std::string_view code = rest.substr(0, sp2);
  std::string_view message = sp2 == std::string_view::npos ? "" : rest.substr(sp2 + 1);
  uint32_t status = 0;
  if (code.size() != 3 || !absl::SimpleAtoi(Sv(code), &status)) return false;
  // Pair with the oldest request still waiting for its response.
  HttpTransaction* tx = nullptr;
  for (HttpTransaction& t : txs_) {
    if (!t.response_complete && !t.response_headers_done) {
      tx = &t;
      break;
    }
  }
  if (tx == nullptr) {
    tx = NewTransaction();
    if (tx == nullptr) return false;
  }
  tx->response_protocol = std::string(protocol);
  tx->status_code = std::string(code);
  tx->status_message = std::string(message);
  tx->status = status;
  tx->response_headers.clear();
  tx->response_headers_raw.clear();
  tx->response_started = true;
  side.tx = tx;
  side.header_bytes = 0;
  side.state = State::kHeaders;
  Touch(tx);
  return true;
}

bool HttpParser::OnHeaderLine(int direction, std::string_view line) {
  HttpTransaction* tx = side_[direction].tx;
  if (tx == nullptr) return false;
  std::vector<HttpHeader>& headers =
      direction == kToServer ? tx->request_headers : tx->response_headers;
  if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
    // Obsolete line folding: continues the previous value.
    headers.back().value.push_back(' ');
    headers.back().value.append(TrimWs(line));
    return true;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    // Not a header; tolerated (and kept out of the header list) as servers do.
    return true;
  }
  std::string_view name = TrimWs(line.substr(0, colon));
  headers.push_back(HttpHeader{std::string(name), std::string(TrimWs(line.substr(colon + 1)))});
  return true;
}

void HttpParser::OnHeadersDone(int direction) {
  Side& side = side_[direction];
  HttpTransaction* tx = side.tx;
  if (tx == nullptr) {
    side.state = State::kFailed;
    return;
  }
  Touch(tx);
  const std::vector<HttpHeader>& headers =
      direction == kToServer ? tx->request_headers : tx->response_headers;
  if (direction == kToClient && tx->status >= 100 && tx->status < 200 && tx->status != 101) {
    // Interim response: the final one follows for the same transaction.
    side.state = State::kStartLine;
    side.tx = nullptr;
    return;
  }
  if (direction == kToServer) {
    tx->request_headers_done = true;
    tx->request_headers_joined = HttpTransaction::JoinHeaders(headers);
    tx->request_fields = HttpTransaction::IndexFields(headers, false);
    tx->host_normalized = tx->NormalizedHost();
  } else {
    tx->response_headers_done = true;
    tx->response_headers_joined = HttpTransaction::JoinHeaders(headers);
    tx->response_fields = HttpTransaction::IndexFields(headers, true);
  }
  std::string_view te;
  std::string_view cl;
  const bool chunked = HttpTransaction::FindHeader(headers, "transfer-encoding", &te) &&
                       absl::StrContains(absl::AsciiStrToLower(Sv(te)), "chunked");
  uint64_t length = 0;
  const bool has_length = HttpTransaction::FindHeader(headers, "content-length", &cl) &&
                          absl::SimpleAtoi(Sv(TrimWs(cl)), &length);
  if (direction == kToClient) {
    const bool head = tx->method == "HEAD";
    if (tx->status == 101 || (tx->method == "CONNECT" && tx->status / 100 == 2)) {
      CompleteMessage(direction);
      side_[0].state = State::kPassthrough;
      side_[1].state = State::kPassthrough;
      return;
    }
    if (head || tx->status == 204 || tx->status == 304) {
      CompleteMessage(direction);
      return;
    }
  }
  if (chunked) {
    side.state = State::kChunkSize;
  } else if (has_length && length > 0) {
    side.remaining = length;
    side.state = State::kBodyLength;
  } else if (has_length || direction == kToServer) {
    CompleteMessage(direction);
  } else {
    side.state = State::kBodyUntilClose;
  }
}

void HttpParser::OnBody(int direction, const uint8_t* data, uint32_t len) {
  HttpTransaction* tx = side_[direction].tx;
  if (tx == nullptr || len == 0) return;
  std::string& body = direction == kToServer ? tx->request_body : tx->response_body;
  uint64_t& seen = direction == kToServer ? tx->request_body_seen : tx->response_body_seen;
  const uint32_t limit =
      direction == kToServer ? config_.request_body_limit : config_.response_body_limit;
  seen += len;
  if (body.size() < limit) {
    body.append(reinterpret_cast<const char*>(data), std::min<size_t>(len, limit - body.size()));
    Touch(tx);
  }
}

void HttpParser::CompleteMessage(int direction) {
  Side& side = side_[direction];
  if (side.tx != nullptr) {
    if (direction == kToServer) {
      side.tx->request_complete = true;
    } else {
      side.tx->response_complete = true;
    }
    Touch(side.tx);
  }
  if (side.state != State::kPassthrough) side.state = State::kStartLine;
  side.tx = nullptr;
  side.line.clear();
}

void HttpParser::OnGap(int direction) {
  Side& side = side_[direction];
  if (side.state == State::kBodyUntilClose || side.state == State::kBodyLength ||
      side.state == State::kChunkData) {
    // Body bytes were lost; the message can still be bounded if its length is known.
    if (side.state != State::kBodyUntilClose && side.tx != nullptr) Touch(side.tx);
  }
  side.state = State::kFailed;
}

void HttpParser::OnClose(int direction) {
  Side& side = side_[direction];
  if (side.state == State::kHeaders && side.tx != nullptr) {
    // A header block cut short by the close still counts, as servers and libhtp see it.
    if (!side.line.empty()) {
      std::string_view line(side.line);
      while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
      if (!line.empty()) OnHeaderLine(direction, line);
      side.line.clear();
    }
    OnHeadersDone(direction);
  }
  if (side.state == State::kBodyUntilClose || side.state == State::kHeaders) {
    CompleteMessage(direction);
  }
}

}  // namespace otasuke::network
