#include "tools/webhook_sink/webhook_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace otasuke::tools {
namespace {

constexpr size_t kMaxRequestBytes = 4 << 20;

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads until `want` bytes are buffered or the peer stops sending (5 s idle).
bool ReadMore(int fd, std::string& buffer) {
  pollfd pfd{.fd = fd, .events = POLLIN, .revents = 0};
  if (::poll(&pfd, 1, 5000) <= 0) return false;
  char chunk[16384];
  ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<size_t>(n));
  return buffer.size() <= kMaxRequestBytes;
}

}  // namespace

std::string RequestJsonLine(const ReceivedRequest& request) {
  nlohmann::json line = {{"method", request.method},
                         {"path", request.path},
                         {"headers", request.headers},
                         {"answered", request.answered}};
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    line["body"] = request.body;
  } else {
    line["body"] = std::move(body);
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

WebhookSink::~WebhookSink() { Stop(); }

absl::StatusOr<int> WebhookSink::Start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(options_.port));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    std::string error = std::strerror(errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    return absl::UnavailableError(
        absl::StrCat("cannot listen on 127.0.0.1:", options_.port, ": ", error));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
  return port_;
}

void WebhookSink::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

std::vector<ReceivedRequest> WebhookSink::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool WebhookSink::WaitForRequests(size_t count, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, count]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return requests_.size() >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void WebhookSink::Serve() {
  while (!stopping_) {
    pollfd pfd{.fd = listen_fd_, .events = POLLIN, .revents = 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;  // wake up regularly to notice Stop()
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    HandleConnection(fd);
    ::close(fd);
  }
}

void WebhookSink::HandleConnection(int fd) {
  std::string buffer;
  size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore(fd, buffer)) return;
  }
  ReceivedRequest request;
  std::vector<std::string> lines = absl::StrSplit(buffer.substr(0, header_end), "\r\n");
  std::vector<std::string> request_line = absl::StrSplit(lines[0], ' ');
  if (request_line.size() != 3) {
    SendAll(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  request.method = request_line[0];
  request.path = request_line[1];
  size_t content_length = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    if (name == "content-length" && !absl::SimpleAtoi(value, &content_length)) return;
    request.headers[name] = value;
  }
  if (content_length > kMaxRequestBytes) return;
  size_t body_start = header_end + 4;
  while (buffer.size() < body_start + content_length) {
    if (!ReadMore(fd, buffer)) return;
  }
  request.body = buffer.substr(body_start, content_length);
  // Recorded before the reply: a client that has its answer must find its request here.
  {
    absl::MutexLock lock(&mu_);
    request.answered = static_cast<int>(requests_.size()) < options_.fail_first ? 500 : 200;
    requests_.push_back(request);
  }
  if (options_.on_request) options_.on_request(request);
  std::string reply = request.answered == 200
                          ? "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
                          : "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 7\r\n"
                            "Connection: close\r\n\r\nfailed\n";
  SendAll(fd, reply);
}

}  // namespace otasuke::tools
