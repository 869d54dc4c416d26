#include "agent/sources/sock_diag/socket_table.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace otasuke::agent {
namespace {

network::IpAddress Address(uint8_t family, const __be32* words) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(words);
  return family == AF_INET6 ? network::IpAddress::V6(bytes) : network::IpAddress::V4(bytes);
}

}  // namespace

absl::StatusOr<bool> DecodeInetDiagReply(std::string_view reply,
                                         const std::function<void(const SocketEntry&)>& on_entry) {
  const auto* base = reinterpret_cast<const nlmsghdr*>(reply.data());
  int len = static_cast<int>(reply.size());
  // NLMSG_OK compares the header's __u32 length with the int remainder NLMSG_NEXT keeps, which
  // must stay signed: NLMSG_NEXT subtracts the aligned length, so an unaligned last message
  // takes it below zero, and NLMSG_OK then stops (reported below as trailing bytes).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
  for (const nlmsghdr* nlh = base; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
    if (nlh->nlmsg_type == NLMSG_DONE) return false;
    if (nlh->nlmsg_type == NLMSG_ERROR) {
      int error = 0;
      if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
        error = -static_cast<const nlmsgerr*>(NLMSG_DATA(nlh))->error;
      }
      return absl::InternalError(absl::StrCat("sock_diag: kernel error: ", std::strerror(error)));
    }
    if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
    if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
      return absl::DataLossError(absl::StrCat("sock_diag: message of ", nlh->nlmsg_len,
                                              " bytes is shorter than a socket"));
    }
    inet_diag_msg msg;
    std::memcpy(&msg, NLMSG_DATA(nlh), sizeof(msg));
    if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6) continue;
    SocketEntry entry;
    entry.state = msg.idiag_state;
    entry.local = Address(msg.idiag_family, msg.id.idiag_src);
    entry.remote = Address(msg.idiag_family, msg.id.idiag_dst);
    entry.local_port = ntohs(msg.id.idiag_sport);
    entry.remote_port = ntohs(msg.id.idiag_dport);
    entry.uid = msg.idiag_uid;
    entry.inode = msg.idiag_inode;
    on_entry(entry);
  }
#pragma GCC diagnostic pop
  if (len != 0) {
    return absl::DataLossError(absl::StrCat("sock_diag: ", len, " trailing bytes in a reply"));
  }
  return true;
}

SocketTable::~SocketTable() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status SocketTable::Open() {
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd_ < 0)
    return absl::InternalError(absl::StrCat("sock_diag: socket: ", std::strerror(errno)));
  return absl::OkStatus();
}

absl::Status SocketTable::Dump(const std::function<void(const SocketEntry&)>& on_entry) {
  // Every TCP state but CLOSE: a connection seen only in TIME_WAIT (it opened and closed
  // between two dumps) is still a connection, and LISTEN tells inbound from outbound.
  constexpr uint32_t kTcpStates = ~((1u << TCP_CLOSE));
  constexpr uint32_t kUdpStates = ~0u;
  for (uint8_t family : {AF_INET, AF_INET6}) {
    auto with_protocol = [&](uint8_t protocol) {
      return [&on_entry, protocol](const SocketEntry& e) {
        SocketEntry copy = e;
        copy.protocol = protocol;
        on_entry(copy);
      };
    };
    RETURN_IF_ERROR(DumpOne(family, IPPROTO_TCP, kTcpStates, with_protocol(IPPROTO_TCP)));
    RETURN_IF_ERROR(DumpOne(family, IPPROTO_UDP, kUdpStates, with_protocol(IPPROTO_UDP)));
  }
  return absl::OkStatus();
}

absl::Status SocketTable::DumpOne(uint8_t family, uint8_t protocol, uint32_t states,
                                  const std::function<void(const SocketEntry&)>& on_entry) {
  if (fd_ < 0) return absl::FailedPreconditionError("sock_diag: Open() first");
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof(message);
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.header.nlmsg_seq = ++sequence_;
  message.request.sdiag_family = family;
  message.request.sdiag_protocol = protocol;
  message.request.idiag_states = states;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, &message, sizeof(message), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
    return absl::InternalError(absl::StrCat("sock_diag: send: ", std::strerror(errno)));
  }
  alignas(nlmsghdr) std::array<char, 32768> buffer;
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError(absl::StrCat("sock_diag: recv: ", std::strerror(errno)));
    absl::StatusOr<bool> more =
        DecodeInetDiagReply(std::string_view(buffer.data(), static_cast<size_t>(n)), on_entry);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
  }
}

}  // namespace otasuke::agent
