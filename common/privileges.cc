#include "common/privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke {
namespace {

// Names of capabilities 0..40 in the kernel's order (linux/capability.h).
constexpr const char* kCapabilityNames[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

std::string Errno(std::string_view what) {
  return absl::StrCat(Sv(what), ": ", std::strerror(errno));
}

// The highest capability this kernel knows (newer kernels may know more than our table).
int LastCapability() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = CAP_LAST_CAP;
  if (!(in >> last)) last = CAP_LAST_CAP;
  return last;
}

struct CapabilitySets {
  CapabilityMask effective = 0, permitted = 0, inheritable = 0;
};

absl::StatusOr<CapabilitySets> GetCapabilities() {
  __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return absl::InternalError(Errno("capget"));
  auto join = [](uint32_t low, uint32_t high) { return (CapabilityMask{high} << 32) | low; };
  return CapabilitySets{.effective = join(data[0].effective, data[1].effective),
                        .permitted = join(data[0].permitted, data[1].permitted),
                        .inheritable = join(data[0].inheritable, data[1].inheritable)};
}

absl::Status SetCapabilities(const CapabilitySets& sets) {
  __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(sets.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(sets.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(sets.inheritable >> (32 * i));
  }
  if (::syscall(SYS_capset, &header, data) != 0) return absl::InternalError(Errno("capset"));
  return absl::OkStatus();
}

// Removes every capability outside `keep` from the bounding set (needs CAP_SETPCAP, so it is
// done while still privileged).
absl::Status DropBoundingSet(CapabilityMask keep) {
  for (int cap = 0; cap <= LastCapability() && cap < 64; ++cap) {
    if ((keep & CapabilityBit(cap)) != 0) continue;
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      return absl::PermissionDeniedError(
          Errno(absl::StrCat("dropping capability ", cap, " from the bounding set")));
    }
  }
  return absl::OkStatus();
}

absl::Status ChownTree(const std::string& root, const UserIds& user) {
  std::error_code ec;
  if (!std::filesystem::exists(root, ec)) return absl::OkStatus();
  auto chown_one = [&](const std::filesystem::path& p) -> absl::Status {
    if (::lchown(p.c_str(), user.uid, user.gid) != 0) {
      return absl::PermissionDeniedError(
          Errno(absl::StrCat("cannot give ", p.string(), " to user ", user.name)));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(chown_one(root));
  if (!std::filesystem::is_directory(root, ec)) return absl::OkStatus();
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    RETURN_IF_ERROR(chown_one(it->path()));
  }
  if (ec)
    return absl::PermissionDeniedError(absl::StrCat("cannot walk ", root, ": ", ec.message()));
  return absl::OkStatus();
}

int ThreadCount() {
  std::error_code ec;
  int n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

// Leaves only `keep` in the permitted and effective sets; nothing inheritable or ambient;
// no-new-privileges. Runs as the target user.
absl::Status TrimCapabilities(CapabilityMask keep) {
  ASSIGN_OR_RETURN(CapabilitySets current, GetCapabilities());
  if ((current.permitted & keep) != keep) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the process lacks capabilities it needs: ", CapabilityNames(keep & ~current.permitted),
        " (start it as root, or give them with systemd AmbientCapabilities=)"));
  }
  RETURN_IF_ERROR(SetCapabilities({.effective = keep, .permitted = keep, .inheritable = 0}));
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return absl::InternalError(Errno("clearing ambient capabilities"));
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::InternalError(Errno("PR_SET_NO_NEW_PRIVS"));
  }
  return absl::OkStatus();
}

absl::Status SwitchUser(const UserIds& user, CapabilityMask keep) {
  if (keep != 0 && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    return absl::InternalError(Errno("PR_SET_KEEPCAPS"));
  }
  RETURN_IF_ERROR(DropBoundingSet(keep));
  if (::setgroups(0, nullptr) != 0) return absl::PermissionDeniedError(Errno("setgroups"));
  if (::setresgid(user.gid, user.gid, user.gid) != 0) {
    return absl::PermissionDeniedError(Errno("setresgid"));
  }
  if (::setresuid(user.uid, user.uid, user.uid) != 0) {
    return absl::PermissionDeniedError(Errno("setresuid"));
  }
  if (keep != 0 && ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
    return absl::InternalError(Errno("clearing PR_SET_KEEPCAPS"));
  }
  return absl::OkStatus();
}

absl::Status VerifyDropped(const UserIds& user, CapabilityMask keep) {
  uid_t r, e, s;
  ::getresuid(&r, &e, &s);
  if (r != user.uid || e != user.uid || s != user.uid) {
    return absl::InternalError(absl::StrCat("uids are ", r, "/", e, "/", s, " after the switch"));
  }
  if (user.uid != 0 && ::setuid(0) == 0) {
    return absl::InternalError("uid 0 could be regained after dropping privileges");
  }
  ASSIGN_OR_RETURN(CapabilitySets after, GetCapabilities());
  if (after.permitted != keep || after.effective != keep) {
    return absl::InternalError(absl::StrCat("capabilities after the drop are ",
                                            CapabilityNames(after.permitted), ", expected ",
                                            CapabilityNames(keep)));
  }
  return absl::OkStatus();
}

absl::StatusOr<CapabilityMask> ParseHexMask(std::string_view hex, std::string_view key) {
  uint64_t value = 0;
  if (!absl::SimpleHexAtoi(Sv(hex), &value)) {
    return absl::InternalError(absl::StrCat("/proc status ", Sv(key), " '", Sv(hex), "'"));
  }
  return value;
}

}  // namespace

absl::Status SetNoNewPrivileges() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::InternalError(Errno("PR_SET_NO_NEW_PRIVS"));
  }
  return absl::OkStatus();
}

absl::StatusOr<UserIds> LookUpUser(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("run_as_user is empty");
  std::vector<char> buf(16384);
  passwd pw;
  passwd* found = nullptr;
  const std::string user(name);
  int rc = ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "run_as_user: user '", user, "' does not exist",
        rc != 0 ? absl::StrCat(" (", std::strerror(rc), ")") : "",
        "; create it with `useradd --system --no-create-home --shell /usr/sbin/nologin ", user,
        "` (the installers do), or set run_as_user to an existing unprivileged account"));
  }
  return UserIds{.name = user, .uid = pw.pw_uid, .gid = pw.pw_gid};
}

std::string CapabilityNames(CapabilityMask mask) {
  std::vector<std::string> names;
  for (int cap = 0; cap < 64; ++cap) {
    if ((mask & CapabilityBit(cap)) == 0) continue;
    names.push_back(cap < static_cast<int>(std::size(kCapabilityNames))
                        ? kCapabilityNames[cap]
                        : absl::StrCat("CAP_", cap));
  }
  return names.empty() ? "none" : absl::StrJoin(names, ",");
}

absl::Status DropPrivileges(const PrivilegeDrop& drop) {
  ASSIGN_OR_RETURN(UserIds user, LookUpUser(drop.user));
  if (user.uid == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("run_as_user '", user.name, "' is root: name an unprivileged account"));
  }
  // Capabilities, keep-caps and no-new-privs are per thread. Threads started earlier lose every
  // capability at the uid switch (their keep-caps is off), but only no-new-privs inherited from
  // before they started stops them regaining any through exec.
  if (drop.keep != 0 && ThreadCount() > 1 && ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
    return absl::FailedPreconditionError(
        "threads are running without no-new-privileges: call SetNoNewPrivileges() before "
        "starting any thread, or drop privileges before (capabilities are per thread)");
  }
  const uid_t euid = ::geteuid();
  if (euid == user.uid) {
    // Started as the user already (systemd User= + AmbientCapabilities=): trim only.
    RETURN_IF_ERROR(TrimCapabilities(drop.keep));
    return VerifyDropped(user, drop.keep);
  }
  if (euid != 0) {
    return absl::PermissionDeniedError(absl::StrCat("running as uid ", euid,
                                                    ", which cannot switch to run_as_user '",
                                                    user.name, "': start as root or as that user"));
  }
  for (const std::string& path : drop.chown) RETURN_IF_ERROR(ChownTree(path, user));
  RETURN_IF_ERROR(SwitchUser(user, drop.keep));
  RETURN_IF_ERROR(TrimCapabilities(drop.keep));
  return VerifyDropped(user, drop.keep);
}

absl::StatusOr<ProcessCredentials> ReadProcessCredentials(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/status");
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  ProcessCredentials creds;
  std::string line;
  while (std::getline(in, line)) {
    std::string_view l = line;
    size_t colon = l.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = l.substr(0, colon);
    std::string_view value = l.substr(colon + 1);
    while (!value.empty() && (value.front() == '\t' || value.front() == ' ')) {
      value.remove_prefix(1);
    }
    unsigned a = 0, b = 0, c = 0;
    if (key == "Uid" && std::sscanf(line.c_str() + colon + 1, "%u %u %u", &a, &b, &c) == 3) {
      creds.uid = a, creds.euid = b, creds.suid = c;
    } else if (key == "Gid" && std::sscanf(line.c_str() + colon + 1, "%u %u %u", &a, &b, &c) == 3) {
      creds.gid = a, creds.egid = b, creds.sgid = c;
    } else if (key == "CapEff") {
      ASSIGN_OR_RETURN(creds.cap_effective, ParseHexMask(value, key));
    } else if (key == "CapPrm") {
      ASSIGN_OR_RETURN(creds.cap_permitted, ParseHexMask(value, key));
    } else if (key == "CapBnd") {
      ASSIGN_OR_RETURN(creds.cap_bounding, ParseHexMask(value, key));
    } else if (key == "CapAmb") {
      ASSIGN_OR_RETURN(creds.cap_ambient, ParseHexMask(value, key));
    } else if (key == "NoNewPrivs") {
      creds.no_new_privs = value == "1";
    } else if (key == "Threads") {
      if (!absl::SimpleAtoi(Sv(value), &creds.threads)) {
        return absl::InternalError(absl::StrCat("/proc status ", Sv(key), " '", Sv(value), "'"));
      }
    }
  }
  return creds;
}

}  // namespace otasuke
