#pragma once
// SHA-256 of process images for the Sysmon `Hashes` field, cached by file identity (device,
// inode, size, modification time) so a binary run a thousand times is read once. Reads the
// image through /proc/<pid>/exe, which still works when the file was deleted after the exec
// (a dropper that removes itself) — the hash is then the evidence that is left.
//
// Single-threaded: owned and used by the process source's thread only.

#include <sys/types.h>

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

namespace otasuke::agent {

struct ImageHasherStats {
  uint64_t hashed = 0;      // images read and hashed
  uint64_t cache_hits = 0;  // answered from the cache
  uint64_t too_large = 0;   // larger than max_bytes: not hashed
  uint64_t unreadable = 0;  // gone or not readable
};

class ImageHasher {
 public:
  // `max_bytes` bounds the work for one exec (a 2 GB image would stall the source);
  // `capacity` bounds the cache.
  explicit ImageHasher(std::string proc_root = "/proc", uint64_t max_bytes = 64ull << 20,
                       size_t capacity = 2048)
      : root_(std::move(proc_root)), max_bytes_(max_bytes), capacity_(capacity) {}

  // Sets `out` to "SHA256=<UPPER HEX>" (Sysmon's form) and returns true, or returns false.
  bool HashOf(pid_t pid, std::string* out);
  // The same for a path (tests, and images named by other sources).
  bool HashOfPath(const std::string& path, std::string* out);

  const ImageHasherStats& stats() const { return stats_; }

 private:
  struct Key {
    dev_t dev;
    ino_t ino;
    int64_t size;
    int64_t mtime_ns;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(static_cast<uint64_t>(k.ino) * 0x9E3779B97F4A7C15ull ^
                                   static_cast<uint64_t>(k.dev) ^
                                   static_cast<uint64_t>(k.mtime_ns));
    }
  };
  using Lru = std::list<std::pair<Key, std::string>>;

  bool HashOpenFile(int fd, std::string* out);

  std::string root_;
  uint64_t max_bytes_;
  size_t capacity_;
  Lru lru_;  // most recently used first
  std::unordered_map<Key, Lru::iterator, KeyHash> index_;
  ImageHasherStats stats_;
};

}  // namespace otasuke::agent
