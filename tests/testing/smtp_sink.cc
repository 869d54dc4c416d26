#include "tests/testing/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace otasuke::testing {
namespace {

constexpr size_t kMaxMessageBytes = 1 << 20;

void Reply(int fd, std::string_view line) {
  std::string out = absl::StrCat(absl::string_view(line.data(), line.size()), "\r\n");
  ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
}

// One CRLF-terminated line (without it) from `buffer`, reading more from fd as needed.
bool ReadLine(int fd, std::string& buffer, std::string& line) {
  size_t end;
  while ((end = buffer.find("\r\n")) == std::string::npos) {
    pollfd pfd{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&pfd, 1, 5000) <= 0) return false;
    char chunk[8192];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0 || buffer.size() > kMaxMessageBytes) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  line = buffer.substr(0, end);
  buffer.erase(0, end + 2);
  return true;
}

std::string Address(std::string_view argument) {
  size_t open = argument.find('<');
  size_t close = argument.find('>');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::string(argument);
  }
  return std::string(argument.substr(open + 1, close - open - 1));
}

}  // namespace

SmtpSink::~SmtpSink() { Stop(); }

absl::StatusOr<int> SmtpSink::Start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    return absl::UnavailableError(absl::StrCat("smtp sink: ", std::strerror(errno)));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  thread_ = std::thread([this] { Serve(); });
  return ntohs(addr.sin_port);
}

void SmtpSink::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

std::vector<ReceivedMail> SmtpSink::messages() const {
  absl::MutexLock lock(&mu_);
  return messages_;
}

int SmtpSink::refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

void SmtpSink::Serve() {
  while (!stopping_) {
    pollfd pfd{.fd = listen_fd_, .events = POLLIN, .revents = 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;  // wake up regularly to notice Stop()
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    HandleConnection(fd);
    ::close(fd);
  }
}

void SmtpSink::HandleConnection(int fd) {
  Reply(fd, "220 smtp-sink.test ESMTP otasuke test sink");
  std::string buffer;
  std::string line;
  ReceivedMail mail;
  while (ReadLine(fd, buffer, line)) {
    std::string verb = absl::AsciiStrToUpper(line.substr(0, line.find(' ')));
    std::string_view argument =
        line.find(' ') == std::string::npos ? "" : std::string_view(line).substr(line.find(' '));
    if (verb == "EHLO") {
      Reply(fd, "250-smtp-sink.test");
      Reply(fd, "250 8BITMIME");
    } else if (verb == "HELO" || verb == "NOOP") {
      Reply(fd, "250 ok");
    } else if (verb == "MAIL") {
      mail = ReceivedMail{.mail_from = Address(argument)};
      Reply(fd, "250 ok");
    } else if (verb == "RCPT") {
      mail.rcpt_to.push_back(Address(argument));
      Reply(fd, "250 ok");
    } else if (verb == "RSET") {
      mail = ReceivedMail{};
      Reply(fd, "250 ok");
    } else if (verb == "DATA") {
      Reply(fd, "354 end with <CRLF>.<CRLF>");
      while (true) {
        if (!ReadLine(fd, buffer, line)) return;
        if (line == ".") break;
        // Dot-stuffing (RFC 5321 4.5.2): a leading dot was doubled by the sender.
        absl::StrAppend(&mail.data, absl::StartsWith(line, ".") ? line.substr(1) : line, "\r\n");
      }
      absl::MutexLock lock(&mu_);
      if (refused_ < options_.refuse_first) {
        ++refused_;
        Reply(fd, "451 4.3.0 try again later (test sink)");
      } else {
        messages_.push_back(std::move(mail));
        Reply(fd, "250 ok: queued");
      }
      mail = ReceivedMail{};
    } else if (verb == "QUIT") {
      Reply(fd, "221 bye");
      return;
    } else {
      Reply(fd, "502 command not implemented");
    }
  }
}

}  // namespace otasuke::testing
