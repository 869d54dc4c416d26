#include "agent/sources/proc_connector/proc_connector_source.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "common/stop_event_fd.h"

namespace otasuke::agent {
namespace {

constexpr int kMaxAncestry = 8;  // enough for service -> shell -> tool chains; bounds the work

absl::Status SendListen(int fd, bool listen) {
  // nlmsghdr | cn_msg (flexible data) | proc_cn_mcast_op, laid out in one buffer.
  constexpr size_t kLen = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
  alignas(nlmsghdr) std::array<char, kLen> buf{};
  auto* header = reinterpret_cast<nlmsghdr*>(buf.data());
  header->nlmsg_len = kLen;
  header->nlmsg_type = NLMSG_DONE;
  header->nlmsg_pid = static_cast<__u32>(::getpid());
  auto* message = static_cast<cn_msg*>(NLMSG_DATA(header));
  message->id.idx = CN_IDX_PROC;
  message->id.val = CN_VAL_PROC;
  message->len = sizeof(proc_cn_mcast_op);
  const proc_cn_mcast_op op = listen ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE;
  std::memcpy(message->data, &op, sizeof(op));
  if (::send(fd, buf.data(), buf.size(), 0) < 0) {
    return absl::InternalError(absl::StrCat("proc connector: subscribe: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

ProcConnectorSource::~ProcConnectorSource() {
  if (fd_ >= 0) {
    SendListen(fd_, false).IgnoreError();
    ::close(fd_);
  }
}

absl::Status ProcConnectorSource::Open() {
  fd_ = ::socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd_ < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("proc connector: socket: ", std::strerror(errno)));
  }
  // A burst of process starts (a build, a ransomware fan-out) must not overrun us: ask for a
  // large receive buffer (FORCE needs CAP_NET_ADMIN, which we have at this point).
  int rcvbuf = 8 << 20;
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  }
  sockaddr_nl addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = CN_IDX_PROC;
  addr.nl_pid = 0;  // let the kernel choose, so several agents (tests) can coexist
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "proc connector: bind (needs CAP_NET_ADMIN; run as root): ", std::strerror(errno)));
  }
  // Existing processes, so the first execs already have their ancestry.
  tree_.Seed(proc_);
  if (std::FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "re")) {
    char line[64] = {};
    if (std::fgets(line, sizeof(line), f) != nullptr) boot_id_.assign(line, 8);
    std::fclose(f);
  }
  absl::Status status = SendListen(fd_, true);
  if (!status.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat(status.message(), " (needs CAP_NET_ADMIN; run as root)"));
  }
  return absl::OkStatus();
}

SourceStats ProcConnectorSource::stats() const {
  return SourceStats{
      .events = events_.load(), .overruns = overruns_.load(), .partial = partial_.load()};
}

void ProcConnectorSource::SetParentFields(pid_t ppid) {
  scratch_ = std::to_string(ppid);
  event_.Set(FieldId::kParentProcessId, scratch_);
  // The tree knows the parent even when it has exited; /proc is the fallback for a parent
  // that started before the seed and was never seen since.
  if (const ProcessNode* parent = tree_.Find(ppid); parent != nullptr) {
    if (!parent->image.empty()) event_.Set(FieldId::kParentImage, parent->image);
    if (!parent->command_line.empty()) {
      event_.Set(FieldId::kParentCommandLine, parent->command_line);
    }
    if (!parent->user.empty()) event_.Set(FieldId::kParentUser, parent->user);
  } else {
    if (proc_.ReadImage(ppid, &scratch_)) event_.Set(FieldId::kParentImage, scratch_);
    if (proc_.ReadCommandLine(ppid, &scratch_)) {
      event_.Set(FieldId::kParentCommandLine, scratch_);
    }
  }
}

void ProcConnectorSource::OnExec(pid_t pid, absl::Time when, EventHandler& handler) {
  event_.Clear();
  event_.set_time(when);
  LogSource& source = event_.source();
  source.product = "linux";
  source.category = "process_creation";
  source.service.clear();
  proc_.Read(pid, &info_);
  tree_.OnExec(pid, info_);
  if (!info_.complete()) partial_.fetch_add(1, std::memory_order_relaxed);
  scratch_ = std::to_string(pid);
  event_.Set(FieldId::kProcessId, scratch_);
  if (!info_.image.empty()) event_.Set(FieldId::kImage, info_.image);
  if (!info_.command_line.empty()) event_.Set(FieldId::kCommandLine, info_.command_line);
  if (!info_.current_directory.empty()) {
    event_.Set(FieldId::kCurrentDirectory, info_.current_directory);
  }
  if (info_.have_status) {
    event_.Set(FieldId::kUser, info_.user);
    scratch_ = std::to_string(info_.uid);
    event_.Set(FieldId::kUserId, scratch_);
  }
  // The parent: from /proc/<pid>/status, or, when the process is already gone, from its fork.
  const ProcessNode* self = tree_.Find(pid);
  const pid_t ppid = info_.have_status ? info_.ppid : (self != nullptr ? self->ppid : 0);
  if (ppid > 0) SetParentFields(ppid);
  if (info_.start_ticks != 0) {
    scratch_ = absl::StrFormat("%s-%d-%d", boot_id_, pid, info_.start_ticks);
    event_.Set(FieldId::kProcessGuid, scratch_);
  }
  tree_.Ancestry(pid, kMaxAncestry, &scratch_);
  if (!scratch_.empty()) event_.Set(FieldId::kAncestors, scratch_);
  if (!info_.image.empty() && hasher_.HashOf(pid, &scratch_)) {
    event_.Set(FieldId::kHashes, scratch_);
  }
  events_.fetch_add(1, std::memory_order_relaxed);
  handler.OnEvent(event_);
}

absl::Status ProcConnectorSource::Run(EventHandler& handler, std::stop_token stop) {
  if (fd_ < 0) return absl::FailedPreconditionError("proc connector: Open() first");
  alignas(nlmsghdr) std::array<char, 16384> buf;
  // Blocks until a notification or a stop request: an idle host costs no wake-up at all.
  const StopEventFd stopped(stop);
  const int timeout_ms = stopped.fd() >= 0 ? -1 : 250;
  while (!stop.stop_requested()) {
    std::array<pollfd, 2> pfds = {pollfd{.fd = fd_, .events = POLLIN, .revents = 0},
                                  pollfd{.fd = stopped.fd(), .events = POLLIN, .revents = 0}};
    int ready = ::poll(pfds.data(), pfds.size(), timeout_ms);  // a negative fd is ignored
    if (ready < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("proc connector: poll: ", std::strerror(errno)));
    }
    if (ready <= 0 || pfds[0].revents == 0) continue;  // POLLERR too: recv() says ENOBUFS
    ssize_t len = ::recv(fd_, buf.data(), buf.size(), 0);
    if (len < 0) {
      if (errno == ENOBUFS) {
        // The kernel dropped notifications: we cannot know how many; count the overrun.
        overruns_.fetch_add(1, std::memory_order_relaxed);
        LOG_WARN("proc connector: receive buffer overrun, process events were lost");
        continue;
      }
      if (errno == EINTR || errno == EAGAIN) continue;
      return absl::InternalError(absl::StrCat("proc connector: recv: ", std::strerror(errno)));
    }
    const absl::Time now = absl::Now();
    for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(nlh, len);
         nlh = NLMSG_NEXT(nlh, len)) {
      if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_NOOP) continue;
      if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_event))) continue;
      auto* msg = static_cast<cn_msg*>(NLMSG_DATA(nlh));
      if (msg->id.idx != CN_IDX_PROC || msg->id.val != CN_VAL_PROC) continue;
      // The event follows the 20-byte cn_msg header, 4 bytes off its 8-byte alignment: copy.
      proc_event event;
      std::memcpy(&event, msg->data, sizeof(event));
      const proc_event* ev = &event;
      switch (ev->what) {
        case proc_event::PROC_EVENT_FORK:
          // Threads share their process's image: only new thread groups are processes.
          if (ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid) {
            tree_.OnFork(static_cast<pid_t>(ev->event_data.fork.parent_tgid),
                         static_cast<pid_t>(ev->event_data.fork.child_tgid));
          }
          break;
        case proc_event::PROC_EVENT_EXEC:
          OnExec(static_cast<pid_t>(ev->event_data.exec.process_tgid), now, handler);
          break;
        case proc_event::PROC_EVENT_EXIT:
          if (ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid) {
            tree_.OnExit(static_cast<pid_t>(ev->event_data.exit.process_tgid));
          }
          break;
        default:
          break;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace otasuke::agent
