#pragma once
// Least privilege for the daemons: switch to a dedicated user once the privileged handles are
// open (netlink sockets, capture handles, listening ports), keeping only the Linux capabilities
// still needed. Uses the raw capget/capset syscalls and prctl (libcap is not a dependency).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otasuke {

struct UserIds {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks `name` up in the user database. NotFound names the user and how to create it.
absl::StatusOr<UserIds> LookUpUser(std::string_view name);

// A set of capability numbers (CAP_* from <linux/capability.h>) as the kernel's 64-bit mask.
using CapabilityMask = uint64_t;
constexpr CapabilityMask CapabilityBit(int cap) { return CapabilityMask{1} << cap; }
// "CAP_NET_ADMIN,CAP_SYS_PTRACE" for logs and errors; "none" when empty.
std::string CapabilityNames(CapabilityMask mask);

struct PrivilegeDrop {
  std::string user;                // the account to become
  CapabilityMask keep = 0;         // left in the permitted, effective and bounding sets
  std::vector<std::string> chown;  // made owned by `user` (recursively) before the switch
};

// Becomes `drop.user` for good: supplementary groups cleared, real/effective/saved uid and gid
// switched, every capability outside `drop.keep` gone from the permitted, effective,
// inheritable, ambient and bounding sets, and no-new-privileges set (exec cannot regain any).
// Verifies the result (uid 0 cannot be regained). When the process already runs as that user
// (systemd User= with AmbientCapabilities), it only trims the capabilities.
//
// Capabilities are per thread: with a non-empty `keep`, threads may already run only if they
// inherited no-new-privileges (SetNoNewPrivileges() before starting them; FailedPrecondition
// otherwise); they lose every capability at the uid switch. With an empty `keep` other threads
// may exist: the uid switch (which glibc applies to every thread) clears their capabilities.
absl::Status DropPrivileges(const PrivilegeDrop& drop);

// Sets no-new-privileges on this thread; threads started afterwards inherit it. Daemons call it
// first thing, so no thread can ever gain privileges through exec.
absl::Status SetNoNewPrivileges();

// What /proc/<pid>/status says about a process's identity; for the daemons' start-up log and
// for tests that check a real process.
struct ProcessCredentials {
  uid_t uid = 0, euid = 0, suid = 0;
  gid_t gid = 0, egid = 0, sgid = 0;
  CapabilityMask cap_effective = 0, cap_permitted = 0, cap_bounding = 0, cap_ambient = 0;
  bool no_new_privs = false;
  int threads = 0;
};
absl::StatusOr<ProcessCredentials> ReadProcessCredentials(pid_t pid);

}  // namespace otasuke
