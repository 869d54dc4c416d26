#include "agent/sources/proc_connector/proc_reader.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace otasuke::agent {
namespace {

// Reads up to `max` bytes of a small /proc file, relative to a process directory, into `out`.
bool ReadSmallFile(int dir, const char* name, std::string* out, size_t max = 64 * 1024) {
  int fd = ::openat(dir, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  std::array<char, 4096> buf;
  while (out->size() < max) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  if (out->size() > max) out->resize(max);
  return true;
}

bool ReadLink(int dir, const char* name, std::string* out) {
  std::array<char, 4096> buf;
  ssize_t n = ::readlinkat(dir, name, buf.data(), buf.size());
  if (n <= 0) return false;
  out->assign(buf.data(), static_cast<size_t>(n));
  // The kernel marks an unlinked executable (e.g. a deleted dropper) with this suffix; keep
  // it: it is evidence.
  return true;
}

// /proc/<pid> opened once per read: each file is then looked up relative to it (one path walk,
// not one per file), and every file read belongs to the same process — if the pid is reused
// meanwhile, reads through the old directory fail instead of describing the new process.
class ProcessDir {
 public:
  // `path` is the reader's scratch, so a steady stream of events allocates nothing here.
  ProcessDir(const std::string& root, pid_t pid, std::string& path) {
    path.assign(root);
    path.push_back('/');
    absl::StrAppend(&path, pid);
    fd_ = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  ~ProcessDir() {
    if (fd_ >= 0) ::close(fd_);
  }
  ProcessDir(const ProcessDir&) = delete;
  ProcessDir& operator=(const ProcessDir&) = delete;
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

template <typename T>
bool ParseField(std::string_view status, std::string_view key, T* value) {
  size_t pos = status.find(key);
  if (pos == std::string_view::npos) return false;
  pos += key.size();
  while (pos < status.size() && (status[pos] == ' ' || status[pos] == '\t')) ++pos;
  auto [ptr, ec] = std::from_chars(status.data() + pos, status.data() + status.size(), *value);
  return ec == std::errc();
}

}  // namespace

void JoinArgv(std::string_view raw, std::string* out) {
  out->assign(raw.data(), raw.size());
  while (!out->empty() && out->back() == '\0') out->pop_back();
  for (char& c : *out) {
    if (c == '\0') c = ' ';
  }
}

uint64_t ParseStartTicks(std::string_view stat) {
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return 0;
  // Fields after the command: state(3) ppid(4) ... starttime(22): 20 spaces to cross.
  size_t pos = close + 1;
  for (int field = 2; field < 22; ++field) {
    pos = stat.find(' ', pos);
    if (pos == std::string_view::npos) return 0;
    ++pos;
  }
  uint64_t ticks = 0;
  std::from_chars(stat.data() + pos, stat.data() + stat.size(), ticks);
  return ticks;
}

std::string UserName(uid_t uid) {
  struct passwd pw;
  struct passwd* result = nullptr;
  std::array<char, 1024> buf;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr) {
    return pw.pw_name;
  }
  return std::to_string(uid);
}

const std::string& UserNameCache::Name(uid_t uid, absl::Time now) {
  auto it = names_.find(uid);
  if (it != names_.end() && now - it->second.looked_up < ttl_) return it->second.name;
  // A host with thousands of distinct uids (containers) must not grow this without bound.
  if (it == names_.end() && names_.size() >= kMaxEntries) names_.clear();
  Entry& entry = names_[uid];
  entry.name = UserName(uid);
  entry.looked_up = now;
  return entry.name;
}

bool ProcReader::ReadCommandLine(pid_t pid, std::string* out) const {
  ProcessDir dir(root_, pid, path_);
  return dir.ok() && ReadCommandLineAt(dir.fd(), out);
}

bool ProcReader::ReadCommandLineAt(int dir, std::string* out) const {
  if (!ReadSmallFile(dir, "cmdline", &raw_)) return false;
  JoinArgv(raw_, out);
  return true;
}

bool ProcReader::ReadImage(pid_t pid, std::string* out) const {
  ProcessDir dir(root_, pid, path_);
  return dir.ok() && ReadLink(dir.fd(), "exe", out);
}

const std::string& ProcReader::UserNameOf(uid_t uid) const { return users_.Name(uid, absl::Now()); }

bool ProcReader::Read(pid_t pid, ProcessInfo* info) const {
  info->pid = pid;
  info->image.clear();
  info->command_line.clear();
  info->current_directory.clear();
  info->user.clear();
  info->start_ticks = 0;
  info->have_status = false;
  ProcessDir dir(root_, pid, path_);
  if (!dir.ok()) return false;
  std::string& status = raw_;
  if (ReadSmallFile(dir.fd(), "stat", &status, 4096)) info->start_ticks = ParseStartTicks(status);
  info->have_status = ReadSmallFile(dir.fd(), "status", &status);
  if (info->have_status) {
    int ppid = 0;
    unsigned uid = 0;
    ParseField(status, "\nPPid:", &ppid);
    ParseField(status, "\nUid:", &uid);
    info->ppid = ppid;
    info->uid = uid;
    info->user = UserNameOf(uid);
  }
  ReadLink(dir.fd(), "exe", &info->image);
  ReadCommandLineAt(dir.fd(), &info->command_line);
  ReadLink(dir.fd(), "cwd", &info->current_directory);
  return info->have_status || !info->image.empty() || !info->command_line.empty();
}

}  // namespace otasuke::agent
