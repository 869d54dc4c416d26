#include "tests/testing/reserved_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace otasuke::testing {

absl::StatusOr<std::unique_ptr<ReservedPort>> ReservedPort::Reserve() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  // Without SO_REUSEADDR on both sockets the owner's server could not bind the port either.
  const int one = 1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int error = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat("reserving a loopback port: ", std::strerror(error)));
  }
  return std::unique_ptr<ReservedPort>(new ReservedPort(fd, ntohs(addr.sin_port)));
}

ReservedPort::~ReservedPort() { ::close(fd_); }

}  // namespace otasuke::testing
