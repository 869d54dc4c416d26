// The connection source against the real kernel: real sockets on loopback, real sock_diag
// dumps, real /proc owners. No privileges needed.

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/sources/sock_diag/idle_poll_interval.h"
#include "agent/sources/sock_diag/sock_diag_source.h"
#include "agent/sources/sock_diag/socket_activity.h"
#include "common/files.h"
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
  ASSERT_EQ(::send(connected, "q", 1, 0), 1);
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
constexpr char kSnmp[] =
    "Ip: Forwarding DefaultTTL\nIp: 2 64\n"
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets "
    "CurrEstab InSegs\n"
    "Tcp: 1 200 120000 -1 34405 32807 1573 9205 7 2842486\n"
    "Udp: InDatagrams NoPorts InErrors OutDatagrams\nUdp: 54 308 0 399\n"
    "UdpLite: InDatagrams NoPorts InErrors OutDatagrams\nUdpLite: 0 0 0 5\n";

TEST(SocketActivityTest, ParsesTheCountersThatMoveWhenConnectionsOpenOrClose) {
  absl::StatusOr<SocketCounters> c =
      ParseSocketCounters(kSnmp, "Udp6InDatagrams  3\nUdp6OutDatagrams                \t12\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->values, (std::array<uint64_t, 5>{34405, 32807, 7, 399, 12}));
  // IPv6 off: no snmp6, zero.
  EXPECT_EQ(ParseSocketCounters(kSnmp, "")->values[4], 0u);
  // A kernel without a field is an error naming it; the gate then lets every poll dump.
  absl::StatusOr<SocketCounters> bad = ParseSocketCounters("Tcp: ActiveOpens\nTcp: 1\n", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("PassiveOpens"), std::string::npos);
  EXPECT_FALSE(ParseSocketCounters("Tcp: ActiveOpens\nTcp: x1\n", "").ok());
  EXPECT_FALSE(ParseSocketCounters("", "").ok());
}

class FakeProcNet {
 public:
  FakeProcNet() : root_(absl::StrCat(::testing::TempDir(), "/proc-", ::getpid())) {
    std::filesystem::create_directories(root_ + "/net");
  }
  ~FakeProcNet() { std::filesystem::remove_all(root_); }
  // Rewritten in place, as the kernel's file is: the source keeps it open.
  void Write(std::string_view snmp) {
    std::ofstream out(root_ + "/net/snmp", std::ios::trunc);
    out << snmp;
    ASSERT_TRUE(out.flush().good());
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

TEST(SocketActivityTest, ChangedOnlyWhenACounterMoves) {
  FakeProcNet proc;
  SocketActivity unreadable(proc.root());
  EXPECT_TRUE(unreadable.Changed());  // no file: never skip a dump
  EXPECT_TRUE(unreadable.Changed());

  proc.Write(kSnmp);
  SocketActivity activity(proc.root());
  EXPECT_TRUE(activity.Changed());  // first look
  EXPECT_FALSE(activity.Changed());
  std::string moved = kSnmp;
  moved.replace(moved.find("399"), 3, "400");  // one UDP datagram sent
  proc.Write(moved);
  EXPECT_TRUE(activity.Changed());
  EXPECT_FALSE(activity.Changed());
}

TEST(SocketActivityTest, RealCountersMoveWhenATcpConnectionOpens) {
  SocketActivity activity;
  activity.Changed();
  const int listener = Listener();
  const int client = ConnectTo(SOCK_STREAM, LocalPort(listener));
  EXPECT_TRUE(activity.Changed());
  ::close(client);
  ::close(listener);
}

// Run() dumps the socket table only when the counters moved, or when the full dump is due.
TEST(SockDiagSourceTest, RunSkipsTheDumpWhileNoCounterMoves) {
  FakeProcNet proc;
  proc.Write(kSnmp);
  SockDiagSource source({.interval = absl::Milliseconds(5),
                         .idle_interval = absl::Milliseconds(20),
                         .full_dump_every = absl::Hours(1),
                         .proc_root = proc.root()});
  ASSERT_TRUE(source.Open().ok());
  Recorder recorder;
  std::jthread runner([&](std::stop_token stop) { ASSERT_TRUE(source.Run(recorder, stop).ok()); });
  auto wait_for_dumps = [&](uint64_t n) {
    for (int i = 0; i < 2000 && source.dumps() < n; ++i) absl::SleepFor(absl::Milliseconds(5));
    return source.dumps();
  };
  EXPECT_EQ(wait_for_dumps(1), 1u);        // the baseline
  absl::SleepFor(absl::Milliseconds(60));  // a dozen intervals with nothing moving
  EXPECT_EQ(source.dumps(), 1u);
  std::string moved = kSnmp;
  moved.replace(moved.find("34405"), 5, "34406");  // a TCP connection opened
  proc.Write(moved);
  EXPECT_EQ(wait_for_dumps(2), 2u);
  runner.request_stop();
}

TEST(SocketActivityTest, AFileThatAppearsLaterIsRead) {
  FakeProcNet proc;
  SocketActivity activity(proc.root());
  EXPECT_TRUE(activity.Changed());  // no file yet: dump
  proc.Write(kSnmp);
  EXPECT_TRUE(activity.Changed());  // first look at the counters
  EXPECT_FALSE(activity.Changed());
}

TEST(SocketActivityTest, MissingFieldNamesIt) {
  std::string no_udp = kSnmp;
  no_udp.replace(no_udp.find("OutDatagrams"), 12, "OutGrams");
  EXPECT_EQ(ParseSocketCounters(no_udp, "").status().message(), "snmp: no Udp: OutDatagrams");
  EXPECT_EQ(ParseSocketCounters("Tcp: ActiveOpens\nTcp: x\n", "").status().message(),
            "snmp: no Tcp: ActiveOpens");
  EXPECT_FALSE(ParseSocketCounters("", "").ok());
}

TEST(IdlePollIntervalTest, DoublesWhileIdleUpToTheCeilingAndResetsOnActivity) {
  IdlePollInterval wait(absl::Milliseconds(500), absl::Seconds(4));
  EXPECT_EQ(wait.Next(true), absl::Milliseconds(500));
  EXPECT_EQ(wait.Next(false), absl::Seconds(1));
  EXPECT_EQ(wait.Next(false), absl::Seconds(2));
  EXPECT_EQ(wait.Next(false), absl::Seconds(4));
  EXPECT_EQ(wait.Next(false), absl::Seconds(4));
  EXPECT_EQ(wait.Next(true), absl::Milliseconds(500));  // activity: fast again at once
  EXPECT_EQ(wait.Next(false), absl::Seconds(1));
}

TEST(IdlePollIntervalTest, ACeilingBelowTheIntervalMeansNoSlowingDown) {
  IdlePollInterval wait(absl::Seconds(1), absl::Milliseconds(100));
  EXPECT_EQ(wait.Next(false), absl::Seconds(1));
  EXPECT_EQ(wait.Next(false), absl::Seconds(1));
}

}  // namespace otasuke::agent
