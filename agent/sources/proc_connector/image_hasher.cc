#include "agent/sources/proc_connector/image_hasher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>

#include "common/sha256.h"

namespace otasuke::agent {

bool ImageHasher::HashOf(pid_t pid, std::string* out) {
  return HashOfPath(root_ + "/" + std::to_string(pid) + "/exe", out);
}

bool ImageHasher::HashOfPath(const std::string& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    ++stats_.unreadable;
    return false;
  }
  const bool ok = HashOpenFile(fd, out);
  ::close(fd);
  return ok;
}

bool ImageHasher::HashOpenFile(int fd, std::string* out) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ++stats_.unreadable;
    return false;
  }
  const Key key{st.st_dev, st.st_ino, st.st_size,
                static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    ++stats_.cache_hits;
    *out = it->second->second;
    return true;
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes_) {
    ++stats_.too_large;
    return false;
  }
  Sha256 sha;
  std::array<char, 64 * 1024> buf;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ++stats_.unreadable;
      return false;
    }
    if (n == 0) break;
    sha.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  std::string value = "SHA256=" + sha.HexFinal();
  for (size_t i = 7; i < value.size(); ++i) {
    value[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(value[i])));
  }
  ++stats_.hashed;
  if (lru_.size() >= capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  lru_.emplace_front(key, value);
  index_[key] = lru_.begin();
  *out = std::move(value);
  return true;
}

}  // namespace otasuke::agent
