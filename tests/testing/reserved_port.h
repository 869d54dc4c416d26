#pragma once
// A loopback TCP port that belongs to one test for as long as it lives, whether or not its
// server is running. Integration tests kill and restart collectors on their old port while
// agents keep dialling it; a port left free in between can be handed by the kernel to any
// other server's bind(127.0.0.1:0) on the machine (another test, another engineer's run), and
// the dialling agent then streams into the wrong collector (issue 6: every alert of a live
// stream stored twice, the second copy from another test's agent; docs/DELIVERY.md).
//
// The reservation is a socket bound with SO_REUSEADDR that never listens: the kernel skips a
// bound port when it picks one for bind(port 0) or connect(), while a server that sets
// SO_REUSEADDR (gRPC does) can still bind and listen on it explicitly. Connections to it are
// refused whenever the owner's server is down, as if nothing were there.

#include <memory>

#include "absl/status/statusor.h"

namespace otasuke::testing {

class ReservedPort {
 public:
  // Reserves a free port on 127.0.0.1 (chosen by the kernel).
  static absl::StatusOr<std::unique_ptr<ReservedPort>> Reserve();
  ~ReservedPort();
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;

  int port() const { return port_; }

 private:
  ReservedPort(int fd, int port) : fd_(fd), port_(port) {}

  const int fd_;
  const int port_;
};

}  // namespace otasuke::testing
