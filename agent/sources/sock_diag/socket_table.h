#pragma once
// One snapshot of the kernel's TCP and UDP sockets through NETLINK_SOCK_DIAG (inet_diag), and
// the decoding of its replies. Needs no privileges: any user may dump the socket table; only
// the owner (inode -> process) needs /proc access.

#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/network/packet/packet.h"

namespace otasuke::agent {

struct SocketEntry {
  uint8_t protocol = 0;  // IPPROTO_TCP / IPPROTO_UDP
  uint8_t state = 0;     // TCP_ESTABLISHED, TCP_LISTEN, ... (UDP: 7 = unconnected/close)
  network::IpAddress local;
  network::IpAddress remote;
  uint16_t local_port = 0;
  uint16_t remote_port = 0;
  uint32_t uid = 0;
  uint64_t inode = 0;  // 0 for sockets no process holds (TIME_WAIT)
};

// Calls `on_entry` for each inet_diag_msg in `reply` (one recv() of a dump). Returns false at
// NLMSG_DONE; an NLMSG_ERROR or a truncated message is an error naming why.
absl::StatusOr<bool> DecodeInetDiagReply(std::string_view reply,
                                         const std::function<void(const SocketEntry&)>& on_entry);

class SocketTable {
 public:
  SocketTable() = default;
  ~SocketTable();
  SocketTable(const SocketTable&) = delete;
  SocketTable& operator=(const SocketTable&) = delete;

  absl::Status Open();
  // Dumps TCP (all states but CLOSE) and UDP sockets of IPv4 and IPv6.
  absl::Status Dump(const std::function<void(const SocketEntry&)>& on_entry);

 private:
  absl::Status DumpOne(uint8_t family, uint8_t protocol, uint32_t states,
                       const std::function<void(const SocketEntry&)>& on_entry);
  int fd_ = -1;
  uint32_t sequence_ = 0;
};

}  // namespace otasuke::agent
