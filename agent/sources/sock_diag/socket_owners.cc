#include "agent/sources/sock_diag/socket_owners.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

namespace otasuke::agent {
namespace {

constexpr size_t kRecentOwners = 16;

bool ParsePid(std::string_view name, pid_t* pid) {
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), *pid);
  return ec == std::errc() && ptr == name.data() + name.size() && *pid > 0;
}

// "socket:[12345]" -> 12345
bool SocketInode(std::string_view link, uint64_t* inode) {
  constexpr std::string_view kPrefix = "socket:[";
  if (link.size() < kPrefix.size() + 2 || link.substr(0, kPrefix.size()) != kPrefix ||
      link.back() != ']') {
    return false;
  }
  link.remove_prefix(kPrefix.size());
  link.remove_suffix(1);
  auto [ptr, ec] = std::from_chars(link.data(), link.data() + link.size(), *inode);
  return ec == std::errc() && ptr == link.data() + link.size();
}

}  // namespace

size_t SocketOwners::ScanProcess(pid_t pid, const std::unordered_set<uint64_t>& wanted,
                                 std::unordered_map<uint64_t, pid_t>* owners) {
  const std::string dir_path = root_ + "/" + std::to_string(pid) + "/fd";
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) return 0;
  size_t found = 0;
  std::array<char, 64> link;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const ssize_t n = ::readlinkat(dirfd(dir), entry->d_name, link.data(), link.size());
    uint64_t inode = 0;
    if (n <= 0 || !SocketInode(std::string_view(link.data(), static_cast<size_t>(n)), &inode)) {
      continue;
    }
    if (wanted.contains(inode) && owners->emplace(inode, pid).second) ++found;
  }
  ::closedir(dir);
  return found;
}

void SocketOwners::Remember(pid_t pid) {
  auto it = std::find(recent_.begin(), recent_.end(), pid);
  if (it != recent_.end()) recent_.erase(it);
  recent_.push_front(pid);
  if (recent_.size() > kRecentOwners) recent_.pop_back();
}

void SocketOwners::Resolve(const std::unordered_set<uint64_t>& inodes,
                           std::unordered_map<uint64_t, pid_t>* owners) {
  size_t missing = inodes.size();
  const std::deque<pid_t> recent = recent_;
  for (pid_t pid : recent) {
    if (missing == 0) return;
    const size_t found = ScanProcess(pid, inodes, owners);
    if (found > 0) Remember(pid);
    missing -= std::min(missing, found);
  }
  if (missing == 0) return;
  ++full_scans_;
  DIR* proc = ::opendir(root_.c_str());
  if (proc == nullptr) return;
  while (dirent* entry = ::readdir(proc)) {
    pid_t pid = 0;
    if (!ParsePid(entry->d_name, &pid)) continue;
    const size_t found = ScanProcess(pid, inodes, owners);
    if (found > 0) Remember(pid);
    missing -= std::min(missing, found);
    if (missing == 0) break;
  }
  ::closedir(proc);
}

}  // namespace otasuke::agent
