#include "tests/testing/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace otasuke::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Closes with a reset (SO_LINGER 0), as a dropped link looks to the peer.
void Reset(int fd) {
  linger l{.l_onoff = 1, .l_linger = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  ::close(fd);
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

struct Pair {
  int client;
  int upstream;
};

}  // namespace

std::unique_ptr<TcpProxy> TcpProxy::Start(int target_port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<TcpProxy> proxy(new TcpProxy(fd, ntohs(addr.sin_port), target_port));
  proxy->thread_ = std::thread([p = proxy.get()] { p->Loop(); });
  return proxy;
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void TcpProxy::Loop() {
  std::vector<Pair> pairs;
  std::vector<char> buf(1 << 16);
  while (!stop_) {
    if (cut_) {
      for (const Pair& p : pairs) {
        Reset(p.client);
        Reset(p.upstream);
      }
      pairs.clear();
    }
    if (blackhole_) {
      // Neither read, accept nor close: the peers see a link that takes bytes and answers none.
      ::poll(nullptr, 0, 20);
      continue;
    }
    std::vector<pollfd> fds = {{.fd = listen_fd_, .events = POLLIN, .revents = 0}};
    for (const Pair& p : pairs) {
      fds.push_back({.fd = p.client, .events = POLLIN, .revents = 0});
      fds.push_back({.fd = p.upstream, .events = POLLIN, .revents = 0});
    }
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    // Only the pairs polled above have an entry in fds; one accepted now waits for the next poll.
    const size_t polled = pairs.size();
    if (fds[0].revents & POLLIN) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in target = Loopback(target_port_);
        if (cut_ || upstream < 0 ||
            ::connect(upstream, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
          Reset(client);
          if (upstream >= 0) ::close(upstream);
        } else {
          pairs.push_back({client, upstream});
          ++connections_;
        }
      }
    }
    // Forward what is readable; a closed or failed side ends its pair.
    std::vector<Pair> alive(pairs.begin() + static_cast<ptrdiff_t>(polled), pairs.end());
    for (size_t i = 0; i < polled; ++i) {
      bool open = true;
      for (int side = 0; side < 2 && open; ++side) {
        const pollfd& pfd = fds[1 + 2 * i + side];
        if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const int to = side == 0 ? pairs[i].upstream : pairs[i].client;
        const ssize_t n = ::recv(pfd.fd, buf.data(), buf.size(), 0);
        if (n <= 0 || !WriteAll(to, buf.data(), static_cast<size_t>(n))) {
          open = false;
        } else {
          bytes_ += static_cast<uint64_t>(n);
        }
      }
      if (open) {
        alive.push_back(pairs[i]);
      } else {
        Reset(pairs[i].client);
        Reset(pairs[i].upstream);
      }
    }
    pairs.swap(alive);
  }
  for (const Pair& p : pairs) {
    Reset(p.client);
    Reset(p.upstream);
  }
}

}  // namespace otasuke::testing
