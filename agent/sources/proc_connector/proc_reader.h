#pragma once
// Reads what /proc tells about a process, for event enrichment. Every read tolerates the
// process having already exited: missing parts are left empty and reported as partial.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace otasuke::agent {

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  uid_t uid = 0;
  bool have_status = false;
  uint64_t start_ticks = 0;       // /proc/<pid>/stat field 22: clock ticks after boot
  std::string image;              // readlink /proc/<pid>/exe
  std::string command_line;       // /proc/<pid>/cmdline, arguments joined by spaces
  std::string current_directory;  // readlink /proc/<pid>/cwd
  std::string user;               // name of uid
  bool complete() const { return have_status && !image.empty(); }
};

// uid -> user name, each remembered for a minute. A lookup goes through NSS (opening, reading
// and parsing /etc/passwd, or asking a directory service), which cost more than all of an exec
// event's /proc reads together; uids are few and their names rarely change.
class UserNameCache {
 public:
  explicit UserNameCache(absl::Duration ttl = absl::Seconds(60)) : ttl_(ttl) {}
  const std::string& Name(uid_t uid, absl::Time now);

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Entry {
    std::string name;
    absl::Time looked_up;
  };
  absl::flat_hash_map<uid_t, Entry> names_;
  absl::Duration ttl_;
};

class ProcReader {
 public:
  // `proc_root` is "/proc" except in tests.
  explicit ProcReader(std::string proc_root = "/proc") : root_(std::move(proc_root)) {}

  // Fills `info` (reusing its string capacity). Returns false if nothing could be read.
  bool Read(pid_t pid, ProcessInfo* info) const;

  // Command line only (for parents).
  bool ReadCommandLine(pid_t pid, std::string* out) const;
  bool ReadImage(pid_t pid, std::string* out) const;

  // The name of a uid, through this reader's cache.
  const std::string& UserNameOf(uid_t uid) const;

  const std::string& root() const { return root_; }

 private:
  bool ReadCommandLineAt(int dir, std::string* out) const;

  std::string root_;
  // A reader belongs to one source thread; these are its scratch and cache, not its state.
  mutable std::string raw_;
  mutable std::string path_;
  mutable UserNameCache users_;
};

// Turns NUL-separated argv into one space-separated line (trailing NULs dropped).
void JoinArgv(std::string_view raw, std::string* out);

// The starttime field of a /proc/<pid>/stat line (after the parenthesised command name, which
// may itself contain spaces and parentheses), or 0.
uint64_t ParseStartTicks(std::string_view stat);

// Name of a uid from the passwd database, or the number as text.
std::string UserName(uid_t uid);

}  // namespace otasuke::agent
