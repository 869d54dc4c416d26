#include "agent/sources/proc_connector/proc_reader.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

namespace otasuke::agent {
namespace {

// Reads up to `max` bytes of a small /proc file into `out`.
bool ReadSmallFile(const std::string& path, std::string* out, size_t max = 64 * 1024) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
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

bool ReadLink(const std::string& path, std::string* out) {
  std::array<char, 4096> buf;
  ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
  if (n <= 0) return false;
  out->assign(buf.data(), static_cast<size_t>(n));
  // The kernel marks an unlinked executable (e.g. a deleted dropper) with this suffix; keep
  // it: it is evidence.
  return true;
}

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

bool ProcReader::ReadCommandLine(pid_t pid, std::string* out) const {
  std::string raw;
  if (!ReadSmallFile(root_ + "/" + std::to_string(pid) + "/cmdline", &raw)) return false;
  JoinArgv(raw, out);
  return true;
}

bool ProcReader::ReadImage(pid_t pid, std::string* out) const {
  return ReadLink(root_ + "/" + std::to_string(pid) + "/exe", out);
}

bool ProcReader::Read(pid_t pid, ProcessInfo* info) const {
  const std::string dir = root_ + "/" + std::to_string(pid);
  info->pid = pid;
  info->image.clear();
  info->command_line.clear();
  info->current_directory.clear();
  info->user.clear();
  info->start_ticks = 0;
  std::string status;
  if (ReadSmallFile(dir + "/stat", &status, 4096)) info->start_ticks = ParseStartTicks(status);
  info->have_status = ReadSmallFile(dir + "/status", &status);
  if (info->have_status) {
    int ppid = 0;
    unsigned uid = 0;
    ParseField(status, "\nPPid:", &ppid);
    ParseField(status, "\nUid:", &uid);
    info->ppid = ppid;
    info->uid = uid;
    info->user = UserName(uid);
  }
  ReadLink(dir + "/exe", &info->image);
  ReadCommandLine(pid, &info->command_line);
  ReadLink(dir + "/cwd", &info->current_directory);
  return info->have_status || !info->image.empty() || !info->command_line.empty();
}

}  // namespace otasuke::agent
