#pragma once
// Incremental HTTP/1.x parser for one connection: requests from the client, responses from
// the server, paired into transactions in order. Bytes arrive in whatever pieces TCP gives;
// every buffer is bounded (line, header block, body limits) and a direction that breaks the
// grammar or a limit stops being parsed rather than growing without end.

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otasuke::network {

struct HttpConfig {
  uint32_t max_line = 8 * 1024;               // request / status / header line
  uint32_t max_header_bytes = 64 * 1024;      // whole header block per message
  uint32_t request_body_limit = 100 * 1024;   // Suricata's default request-body-limit
  uint32_t response_body_limit = 100 * 1024;  // and response-body-limit
  uint32_t max_transactions = 32;             // unanswered requests kept per connection
};

struct HttpHeader {
  std::string name;
  std::string value;
};

// Headers detection reads on every inspection of a transaction, located once when a header
// block completes (a case-insensitive search of the header list per buffer per inspection cost
// more than the rest of the HTTP inspection set-up).
enum class HttpField : uint8_t {
  kHost,
  kUserAgent,
  kReferer,
  kCookie,  // Cookie in requests, Set-Cookie in responses
  kContentType,
  kCount,
};

// Per HttpField: the index of the first header of that name in a header list, or -1.
struct HttpFieldIndex {
  std::array<int32_t, static_cast<size_t>(HttpField::kCount)> at;
  HttpFieldIndex() { at.fill(-1); }
};

struct HttpTransaction {
  uint64_t id = 0;
  // Request.
  std::string method;
  std::string uri_raw;
  std::string uri;  // normalised: percent-decoded, dot segments removed, scheme/authority cut
  std::string request_protocol;
  std::string request_line;
  std::vector<HttpHeader> request_headers;
  std::string request_headers_raw;
  std::string request_body;  // de-chunked, up to the limit
  uint64_t request_body_seen = 0;
  // Set when the request header block is complete, as detection reads them on every
  // inspection of the transaction: JoinHeaders(request_headers) and NormalizedHost().
  std::string request_headers_joined;
  std::string host_normalized;
  HttpFieldIndex request_fields;
  bool request_started = false;
  bool request_headers_done = false;
  bool request_complete = false;
  // Response.
  std::string response_protocol;
  std::string status_code;  // "200"
  std::string status_message;
  uint32_t status = 0;
  std::vector<HttpHeader> response_headers;
  std::string response_headers_raw;
  std::string response_headers_joined;  // JoinHeaders(response_headers), once complete
  HttpFieldIndex response_fields;
  std::string response_body;
  uint64_t response_body_seen = 0;
  bool response_started = false;
  bool response_headers_done = false;
  bool response_complete = false;

  // The value of a located header once the request (response) header block is complete:
  // false when absent.
  bool RequestField(HttpField field, std::string_view* value) const {
    return Field(request_headers, request_fields, field, value);
  }
  bool ResponseField(HttpField field, std::string_view* value) const {
    return Field(response_headers, response_fields, field, value);
  }
  // Locates the HttpFields in `headers` (`response`: Set-Cookie is the cookie).
  static HttpFieldIndex IndexFields(const std::vector<HttpHeader>& headers, bool response);

  // Case-insensitive header lookup; empty view and false when absent.
  static bool FindHeader(const std::vector<HttpHeader>& headers, std::string_view name,
                         std::string_view* value);
  // "Name: value\r\n" for every header, as Suricata's http.header buffer.
  static std::string JoinHeaders(const std::vector<HttpHeader>& headers);
  // Host header lower-cased with any port removed.
  std::string NormalizedHost() const;

 private:
  static bool Field(const std::vector<HttpHeader>& headers, const HttpFieldIndex& index,
                    HttpField field, std::string_view* value) {
    const int32_t at = index.at[static_cast<size_t>(field)];
    if (at < 0) return false;
    *value = headers[static_cast<size_t>(at)].value;
    return true;
  }
};

// Percent-decodes and removes dot segments from a request target; absolute-form targets
// lose their scheme and authority. Exposed for tests.
std::string NormalizeUri(std::string_view raw);

class HttpParser {
 public:
  explicit HttpParser(HttpConfig config = {}) : config_(config) {}

  // Feeds bytes of one direction (0 = client to server, 1 = server to client). Records which
  // transactions changed (touched()).
  void Feed(int direction, const uint8_t* data, uint32_t len);
  // Bytes of this direction were lost: its current message cannot be finished.
  void OnGap(int direction);
  // The connection closed: a response delimited by close is complete.
  void OnClose(int direction);

  // Transactions changed by the last Feed/OnClose, oldest first.
  const std::vector<HttpTransaction*>& touched() const { return touched_; }
  void ClearTouched() { touched_.clear(); }
  // Drops transactions whose request and response are both complete.
  void ReleaseCompleted();

  const std::deque<HttpTransaction>& transactions() const { return txs_; }
  bool failed(int direction) const { return side_[direction].state == State::kFailed; }
  size_t memory() const;
  uint64_t transactions_started() const { return next_tx_id_; }

 private:
  enum class State : uint8_t {
    kStartLine,
    kHeaders,
    kBodyLength,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kChunkTrailer,
    kBodyUntilClose,
    kPassthrough,  // after CONNECT / Upgrade: not HTTP any more
    kFailed,
  };
  struct Side {
    State state = State::kStartLine;
    std::string line;  // partial line being collected
    uint32_t header_bytes = 0;
    uint64_t remaining = 0;  // body or chunk bytes still to come
    HttpTransaction* tx = nullptr;
  };

  // Returns false when the line breaks the grammar.
  bool OnLine(int direction, std::string_view line);
  bool OnStartLine(int direction, std::string_view line);
  bool OnHeaderLine(int direction, std::string_view line);
  void OnHeadersDone(int direction);
  void OnBody(int direction, const uint8_t* data, uint32_t len);
  void CompleteMessage(int direction);
  void Touch(HttpTransaction* tx);
  HttpTransaction* NewTransaction();

  HttpConfig config_;
  Side side_[2];
  std::deque<HttpTransaction> txs_;
  std::vector<HttpTransaction*> touched_;
  uint64_t next_tx_id_ = 0;
};

}  // namespace otasuke::network
