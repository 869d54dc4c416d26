#include "agent/sources/proc_connector/process_tree.h"

#include <dirent.h>

#include <algorithm>
#include <charconv>
#include <string_view>

namespace otasuke::agent {

void ProcessTree::Seed(const ProcReader& proc) {
  DIR* dir = ::opendir(proc.root().c_str());
  if (dir == nullptr) return;
  ProcessInfo info;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name(entry->d_name);
    pid_t pid = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || ptr != name.data() + name.size() || pid <= 0) continue;
    if (proc.Read(pid, &info)) OnExec(pid, info);
  }
  ::closedir(dir);
}

ProcessNode& ProcessTree::Insert(pid_t pid) {
  auto it = nodes_.find(pid);
  if (it != nodes_.end()) return it->second;
  if (nodes_.size() >= capacity_) {
    // Forget the longest-running processes first: a short-lived chain (the usual attack
    // shape: shell -> downloader -> payload) keeps its ancestry. Rare, so a linear scan
    // that frees a tenth of the table is fine.
    const size_t to_free = std::max<size_t>(1, capacity_ / 10);
    for (size_t i = 0; i < to_free && !nodes_.empty(); ++i) {
      auto oldest = std::min_element(
          nodes_.begin(), nodes_.end(),
          [](const auto& a, const auto& b) { return a.second.start_ticks < b.second.start_ticks; });
      nodes_.erase(oldest);
      ++evictions_;
    }
  }
  return nodes_[pid];
}

void ProcessTree::OnFork(pid_t parent, pid_t child) {
  const ProcessNode* from = Find(parent);
  ProcessNode copy = from != nullptr ? *from : ProcessNode{};
  ProcessNode& node = Insert(child);
  node = std::move(copy);
  node.ppid = parent;
  node.start_ticks = 0;  // unknown until the exec reads /proc
}

void ProcessTree::OnExec(pid_t pid, const ProcessInfo& info) {
  ProcessNode& node = Insert(pid);
  if (info.have_status) {
    node.ppid = info.ppid;
    node.user = info.user;
  }
  if (info.start_ticks != 0) node.start_ticks = info.start_ticks;
  // A process that exited before /proc was read keeps what its fork recorded, except the
  // image and command line, which the exec replaced: unknown rather than wrong.
  node.image = info.image;
  node.command_line = info.command_line;
}

const ProcessNode* ProcessTree::Find(pid_t pid) const {
  auto it = nodes_.find(pid);
  return it == nodes_.end() ? nullptr : &it->second;
}

void ProcessTree::Ancestry(pid_t pid, int max_depth, std::string* out) const {
  out->clear();
  const ProcessNode* node = Find(pid);
  pid_t current = pid;
  for (int depth = 0; node != nullptr && depth < max_depth; ++depth) {
    const pid_t parent = node->ppid;
    if (parent <= 0 || parent == current || parent == pid) break;
    const ProcessNode* up = Find(parent);
    if (up == nullptr) break;
    if (!out->empty()) out->append(" | ");
    out->append(up->image.empty() ? "?" : up->image);
    if (parent == 1) break;
    current = parent;
    node = up;
  }
}

}  // namespace otasuke::agent
