#pragma once
// A TCP proxy for delivery tests: forwards every connection from 127.0.0.1:port() to a target
// port on loopback, on its own thread. Cut() takes the link down the way a failing router or
// NAT does: open connections are reset and new ones are accepted and closed at once, until
// Restore(). Blackhole() takes it down silently, as a link that drops every packet does: no
// byte is forwarded and nothing is closed (no FIN, no RST); what the peers send waits in the
// socket buffers and new connections wait in the listen backlog. After Restore() forwarding
// resumes on the connections both peers kept, with nothing lost, as TCP would after the link
// returns.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

namespace otasuke::testing {

class TcpProxy {
 public:
  // Listens on an ephemeral loopback port; returns nullptr if it cannot.
  static std::unique_ptr<TcpProxy> Start(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  void Cut() { cut_ = true; }
  void Blackhole() { blackhole_ = true; }
  void Restore() {
    cut_ = false;
    blackhole_ = false;
  }
  uint64_t bytes_forwarded() const { return bytes_; }
  uint64_t connections() const { return connections_; }

 private:
  TcpProxy(int listen_fd, int port, int target_port)
      : listen_fd_(listen_fd), port_(port), target_port_(target_port) {}
  void Loop();

  const int listen_fd_;
  const int port_;
  const int target_port_;
  std::atomic<bool> cut_{false};
  std::atomic<bool> blackhole_{false};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> connections_{0};
  std::thread thread_;
};

}  // namespace otasuke::testing
