#pragma once
// What the agent remembers about live processes, so an exec event can name its ancestors even
// when they (or the process itself) are gone by the time /proc is read. Fed by the process
// connector's fork / exec / exit notifications and seeded from /proc at start. Bounded: past
// `capacity` entries the oldest-started processes are forgotten first (counted).
//
// Single-threaded: owned and used by the process source's thread only.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "agent/sources/proc_connector/proc_reader.h"

namespace otasuke::agent {

struct ProcessNode {
  pid_t ppid = 0;
  uint64_t start_ticks = 0;  // /proc/<pid>/stat starttime: with the pid, a stable identity
  std::string image;
  std::string command_line;
  std::string user;
};

class ProcessTree {
 public:
  explicit ProcessTree(size_t capacity = 32768) : capacity_(capacity) {}

  // Records every process /proc lists now.
  void Seed(const ProcReader& proc);

  // A new process (thread-group leader) copied from its parent: until it execs it runs the
  // parent's image.
  void OnFork(pid_t parent, pid_t child);
  // The process replaced its image: what /proc showed (possibly partial).
  void OnExec(pid_t pid, const ProcessInfo& info);
  void OnExit(pid_t pid) { nodes_.erase(pid); }

  const ProcessNode* Find(pid_t pid) const;

  // Images of the ancestors of `pid`, nearest first, separated by " | ", at most `max_depth`
  // of them; stops at pid 1, at an unknown pid, and at a cycle (pid reuse).
  void Ancestry(pid_t pid, int max_depth, std::string* out) const;

  size_t size() const { return nodes_.size(); }
  uint64_t evictions() const { return evictions_; }

 private:
  ProcessNode& Insert(pid_t pid);

  size_t capacity_;
  std::unordered_map<pid_t, ProcessNode> nodes_;
  uint64_t evictions_ = 0;
};

}  // namespace otasuke::agent
