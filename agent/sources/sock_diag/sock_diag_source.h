#pragma once
// Network connection events (Sysmon event 3 / Sigma category network_connection) from the
// kernel's socket table, polled through NETLINK_SOCK_DIAG, with the owning process from /proc.
//
// Why polling sock_diag: it needs no privileges, no kernel module and no eBPF (routers run old
// kernels), costs one netlink dump per interval, and sees every TCP state — a connection that
// opened and closed between two dumps is still seen in TIME_WAIT by the side that closed first.
// Blind spots, documented in docs/ARCHITECTURE.md: a connection that lives and dies entirely
// between two dumps on the side that does not hold TIME_WAIT; the owner of a socket already
// closed (TIME_WAIT has no inode); unconnected UDP sockets (sendto() to many peers: DNS
// queries come from the network engine instead).

#include <atomic>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/time/time.h"
#include "agent/pipeline/event_source.h"
#include "agent/sources/proc_connector/proc_reader.h"
#include "agent/sources/sock_diag/socket_activity.h"
#include "agent/sources/sock_diag/socket_owners.h"
#include "agent/sources/sock_diag/socket_table.h"

namespace otasuke::agent {

class SockDiagSource final : public EventSource {
 public:
  struct Options {
    // Between two polls while the counters move; while they do not, the wait doubles up to
    // idle_interval (idle_poll_interval.h), and a move brings it back to `interval` at once.
    absl::Duration interval = absl::Milliseconds(500);
    absl::Duration idle_interval = absl::Seconds(4);
    // Between these, a poll dumps only when the kernel's connection counters moved
    // (socket_activity.h); a full dump at least this often catches the rest.
    // Each full dump walks the kernel's connection hash tables (sized by RAM, not by sockets):
    // milliseconds of kernel time on a PC. What only a full dump sees (a connected UDP socket
    // that has sent nothing yet) moves a counter as soon as it sends.
    absl::Duration full_dump_every = absl::Minutes(5);
    std::string proc_root = "/proc";
  };
  explicit SockDiagSource(Options options);

  std::string_view name() const override { return "network_connection"; }
  absl::Status Open() override;
  absl::Status Run(EventHandler& handler, std::stop_token stop) override;
  SourceStats stats() const override;

  // Dumps counted since Open(), for tests and stats: how often the gate let a poll through.
  uint64_t dumps() const { return dumps_.load(); }

  // One poll: dumps the table and reports connections not seen in the previous dump. Public
  // for tests, which drive it without the timer.
  absl::Status Poll(EventHandler& handler);

 private:
  struct Key {
    uint8_t protocol;
    network::IpAddress local, remote;
    uint16_t local_port, remote_port;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  // Whether this interval's poll must dump: the counters moved or the full dump is due.
  bool DumpDue(bool counters_moved) const;
  void Emit(const SocketEntry& entry, bool initiated, pid_t pid, EventHandler& handler);

  Options options_;
  SocketTable table_;
  SocketOwners owners_;
  SocketActivity activity_;
  absl::Time last_dump_ = absl::InfinitePast();
  std::atomic<uint64_t> dumps_{0};
  ProcReader proc_;
  bool baseline_taken_ = false;
  // Connections of the previous dump (value: seen in the current one).
  std::unordered_map<Key, bool, KeyHash> known_;
  // Reused per poll.
  std::vector<SocketEntry> fresh_;
  std::unordered_set<uint16_t> listening_tcp_ports_;
  std::unordered_set<uint64_t> wanted_inodes_;
  std::unordered_map<uint64_t, pid_t> owner_of_;
  Event event_;
  std::string scratch_;
  ProcessInfo info_;
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> partial_{0};
};

}  // namespace otasuke::agent
