// The connection source against the real kernel: real sockets on loopback, real sock_diag
// dumps, real /proc owners. No privileges needed.

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "agent/sources/sock_diag/sock_diag_source.h"
#include "gtest/gtest.h"

namespace otasuke::agent {
namespace {

using Fields = std::map<std::string, std::string>;

class Recorder final : public EventHandler {
 public:
  void OnEvent(const Event& e) override {
    EXPECT_EQ(e.source().category, "network_connection");
    EXPECT_EQ(e.source().product, "linux");
    Fields f;
    for (FieldId id :
         {FieldId::kProtocol, FieldId::kInitiated, FieldId::kSourceIp, FieldId::kSourcePort,
          FieldId::kDestinationIp, FieldId::kDestinationPort, FieldId::kDestinationIsIpv6,
          FieldId::kCommunityId, FieldId::kUser, FieldId::kProcessId, FieldId::kImage}) {
      f[std::string(Describe(id).name)] = std::string(e.Get(id));
    }
    events.push_back(std::move(f));
  }
  // Events whose ports are (local, remote).
  std::vector<Fields> With(uint16_t local, uint16_t remote) const {
    std::vector<Fields> out;
    for (const Fields& f : events) {
      if (f.at("SourcePort") == std::to_string(local) &&
          f.at("DestinationPort") == std::to_string(remote)) {
        out.push_back(f);
      }
    }
    return out;
  }
  std::vector<Fields> events;
};

uint16_t LocalPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

int Listener() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(fd, 8);
  return fd;
}

int ConnectTo(int type, uint16_t port) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

TEST(SockDiagSourceTest, ReportsNewTcpConnectionsBothWaysWithTheirProcess) {
  SockDiagSource source({});
  ASSERT_TRUE(source.Open().ok());
  Recorder recorder;
  const int listener = Listener();
  const uint16_t server_port = LocalPort(listener);
  const int before = ConnectTo(SOCK_STREAM, server_port);  // existed before the agent looked
  ASSERT_TRUE(source.Poll(recorder).ok());                 // baseline
  EXPECT_TRUE(recorder.events.empty());

  const int client = ConnectTo(SOCK_STREAM, server_port);
  const int accepted = ::accept(listener, nullptr, nullptr);
  ::accept(listener, nullptr, nullptr);  // `before`'s server side
  const uint16_t client_port = LocalPort(client);
  ASSERT_TRUE(source.Poll(recorder).ok());

  std::vector<Fields> outbound = recorder.With(client_port, server_port);
  ASSERT_EQ(outbound.size(), 1u);
  EXPECT_EQ(outbound[0]["Protocol"], "tcp");
  EXPECT_EQ(outbound[0]["Initiated"], "true");
  EXPECT_EQ(outbound[0]["SourceIp"], "127.0.0.1");
  EXPECT_EQ(outbound[0]["DestinationIp"], "127.0.0.1");
  EXPECT_EQ(outbound[0]["DestinationIsIpv6"], "false");
  EXPECT_EQ(outbound[0]["ProcessId"], std::to_string(::getpid()));
  EXPECT_NE(outbound[0]["Image"].find("agent_sock_diag_test"), std::string::npos);
  EXPECT_EQ(outbound[0]["CommunityId"].rfind("1:", 0), 0u);
  EXPECT_FALSE(outbound[0]["User"].empty());

  std::vector<Fields> inbound = recorder.With(server_port, client_port);
  ASSERT_EQ(inbound.size(), 1u);
  EXPECT_EQ(inbound[0]["Initiated"], "false");
  // Both ends of one flow carry one community id.
  EXPECT_EQ(inbound[0]["CommunityId"], outbound[0]["CommunityId"]);

  // The connection that predates the baseline is not new; nothing is reported twice.
  EXPECT_TRUE(recorder.With(LocalPort(before), server_port).empty());
  // Other processes (tests running in parallel) open connections too: look at ours only.
  ASSERT_TRUE(source.Poll(recorder).ok());
  EXPECT_EQ(recorder.With(client_port, server_port).size(), 1u);
  EXPECT_EQ(recorder.With(server_port, client_port).size(), 1u);
  EXPECT_GE(source.stats().events, 2u);
  for (int fd : {client, accepted, before, listener}) ::close(fd);
}

TEST(SockDiagSourceTest, ConnectionClosedBetweenDumpsIsSeenInTimeWait) {
  SockDiagSource source({});
  ASSERT_TRUE(source.Open().ok());
  Recorder recorder;
  const int listener = Listener();
  const uint16_t server_port = LocalPort(listener);
  ASSERT_TRUE(source.Poll(recorder).ok());
  const int client = ConnectTo(SOCK_STREAM, server_port);
  const int accepted = ::accept(listener, nullptr, nullptr);
  const uint16_t client_port = LocalPort(client);
  ::close(client);  // the client closes first: its side lingers in TIME_WAIT
  ::close(accepted);
  ASSERT_TRUE(source.Poll(recorder).ok());
  std::vector<Fields> outbound = recorder.With(client_port, server_port);
  ASSERT_EQ(outbound.size(), 1u);
  EXPECT_EQ(outbound[0]["ProcessId"], "");  // no process holds a closed socket: partial
  EXPECT_GE(source.stats().partial, 1u);
  ::close(listener);
}

TEST(SockDiagSourceTest, ConnectedUdpIsAConnectionUnconnectedIsNot) {
  SockDiagSource source({});
  ASSERT_TRUE(source.Open().ok());
  Recorder recorder;
  ASSERT_TRUE(source.Poll(recorder).ok());
  const int unconnected = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  ::bind(unconnected, reinterpret_cast<sockaddr*>(&any), sizeof(any));
  const int connected = ConnectTo(SOCK_DGRAM, 53);
  ASSERT_TRUE(source.Poll(recorder).ok());
  std::vector<Fields> udp = recorder.With(LocalPort(connected), 53);
  ASSERT_EQ(udp.size(), 1u);
  EXPECT_EQ(udp[0]["Protocol"], "udp");
  EXPECT_EQ(udp[0]["Initiated"], "true");
  for (const Fields& f : recorder.events) {
    EXPECT_NE(f.at("SourcePort"), std::to_string(LocalPort(unconnected)));
  }
  ::close(connected);
  ::close(unconnected);
}

// Replies are decoded defensively: an error message or a truncated record names why.
TEST(InetDiagDecodeTest, KernelErrorAndTruncationAreErrors) {
  struct {
    nlmsghdr header;
    nlmsgerr error;
  } error_reply{};
  error_reply.header.nlmsg_len = sizeof(error_reply);
  error_reply.header.nlmsg_type = NLMSG_ERROR;
  error_reply.error.error = -EPERM;
  auto noop = [](const SocketEntry&) {};
  absl::StatusOr<bool> result = DecodeInetDiagReply(
      std::string_view(reinterpret_cast<const char*>(&error_reply), sizeof(error_reply)), noop);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("Operation not permitted"), std::string::npos);

  struct {
    nlmsghdr header;
    char partial[8];
  } short_reply{};
  short_reply.header.nlmsg_len = sizeof(short_reply);
  short_reply.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  result = DecodeInetDiagReply(
      std::string_view(reinterpret_cast<const char*>(&short_reply), sizeof(short_reply)), noop);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("shorter than a socket"), std::string::npos);

  nlmsghdr done{};
  done.nlmsg_len = sizeof(done);
  done.nlmsg_type = NLMSG_DONE;
  result = DecodeInetDiagReply(std::string_view(reinterpret_cast<const char*>(&done), sizeof(done)),
                               noop);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(*result);
}

}  // namespace
}  // namespace otasuke::agent
