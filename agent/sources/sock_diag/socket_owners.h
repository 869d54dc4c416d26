#pragma once
// Which process holds a socket: /proc/<pid>/fd/* links read "socket:[<inode>]". A full scan of
// /proc is the expensive part of the connection source, so owners are looked up only for new
// sockets, first among the processes that recently owned sockets (a browser or an updater
// opens many), and the full scan runs at most once per lookup round.

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace otasuke::agent {

class SocketOwners {
 public:
  explicit SocketOwners(std::string proc_root = "/proc") : root_(std::move(proc_root)) {}

  // Resolves as many of `inodes` as it can into `owners` (inode -> pid).
  void Resolve(const std::unordered_set<uint64_t>& inodes,
               std::unordered_map<uint64_t, pid_t>* owners);

  uint64_t full_scans() const { return full_scans_; }

 private:
  // Scans one process's descriptors; returns how many wanted inodes it resolved.
  size_t ScanProcess(pid_t pid, const std::unordered_set<uint64_t>& wanted,
                     std::unordered_map<uint64_t, pid_t>* owners);
  void Remember(pid_t pid);

  std::string root_;
  std::deque<pid_t> recent_;  // most recent owner first, bounded
  uint64_t full_scans_ = 0;
};

}  // namespace otasuke::agent
