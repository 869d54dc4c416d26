// Agent spool bench: the SQLite-WAL spool the agent uses (agent/pipeline/sqlite_alert_spool.h)
// against an append-only segment log prototype written here for the comparison, on the same
// alerts: append with one fsync per group of `batch` alerts, ack-delete, restart recovery,
// eviction of 10 % of the alerts by severity, and bytes on disk. Figures in
// docs/PERFORMANCE.md; the choice in docs/DELIVERY.md.
//
//   spool_bench [--alerts 20000] [--body-bytes 1500] [--dir /var/tmp]

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/pipeline/sqlite_alert_spool.h"

namespace otasuke::agent {
namespace {

// ---- The segment-log prototype: records [u32 size][u64 hash][u64 seq][u8 severity][body] in
// files of up to 8 MiB; a group is written then fdatasync'ed; acknowledged segments are
// unlinked; recovery reads every segment and stops a segment at its first bad record;
// evicting from the middle rewrites the segments concerned (write, fsync, rename).
constexpr size_t kSegmentBytes = 8 << 20;
constexpr size_t kRecordHeader = 4 + 8 + 8 + 1;

uint64_t Fnv1a(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  return h;
}

void PutRecord(const SpooledAlert& a, std::string* out) {
  const uint32_t size = static_cast<uint32_t>(a.body.size());
  const uint64_t hash = Fnv1a(a.body.data(), a.body.size()) ^ a.sequence;
  const uint8_t severity = static_cast<uint8_t>(a.severity);
  out->append(reinterpret_cast<const char*>(&size), 4);
  out->append(reinterpret_cast<const char*>(&hash), 8);
  out->append(reinterpret_cast<const char*>(&a.sequence), 8);
  out->append(reinterpret_cast<const char*>(&severity), 1);
  out->append(a.body);
}

class SegmentLog {
 public:
  explicit SegmentLog(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
  }
  ~SegmentLog() {
    if (fd_ >= 0) ::close(fd_);
  }

  void Append(const std::vector<SpooledAlert>& group) {
    std::string buf;
    for (const SpooledAlert& a : group) PutRecord(a, &buf);
    if (fd_ < 0 || current_bytes_ + buf.size() > kSegmentBytes) Roll(group.front().sequence);
    if (::write(fd_, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) std::abort();
    ::fdatasync(fd_);
    current_bytes_ += buf.size();
    segments_.rbegin()->second = group.back().sequence;
  }

  // Unlinks every segment wholly at or below `seq`; the ack point itself is a small file.
  void AckThrough(uint64_t seq) {
    for (auto it = segments_.begin(); it != segments_.end() && it->second <= seq;) {
      if (std::next(it) == segments_.end()) break;  // keep the open one
      ::unlink(Path(it->first).c_str());
      it = segments_.erase(it);
    }
    const std::string ack = dir_ + "/ack";
    const int fd = ::open(ack.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (::write(fd, &seq, sizeof(seq)) != sizeof(seq)) std::abort();
    ::fdatasync(fd);
    ::close(fd);
  }

  // Reads every segment, verifying each record; returns the records found.
  size_t Recover(std::vector<SpoolEntry>* entries) const {
    size_t n = 0;
    for (const auto& [first, last] : segments_) {
      std::string data = ReadAll(Path(first));
      size_t pos = 0;
      while (pos + kRecordHeader <= data.size()) {
        uint32_t size;
        uint64_t hash, seq;
        std::memcpy(&size, data.data() + pos, 4);
        std::memcpy(&hash, data.data() + pos + 4, 8);
        std::memcpy(&seq, data.data() + pos + 12, 8);
        const uint8_t severity = static_cast<uint8_t>(data[pos + 20]);
        if (pos + kRecordHeader + size > data.size()) break;
        if ((Fnv1a(data.data() + pos + kRecordHeader, size) ^ seq) != hash) break;
        entries->push_back({.sequence = seq,
                            .severity = static_cast<otasuke::v1::Severity>(severity),
                            .bytes = size});
        pos += kRecordHeader + size;
        ++n;
      }
    }
    return n;
  }

  // Rewrites the segments that hold any of `evict` without those records.
  void Evict(const std::set<uint64_t>& evict) {
    for (auto& [first, last] : segments_) {
      auto lo = evict.lower_bound(first);
      if (lo == evict.end() || *lo > last) continue;
      std::string data = ReadAll(Path(first));
      std::string kept;
      size_t pos = 0;
      while (pos + kRecordHeader <= data.size()) {
        uint32_t size;
        uint64_t seq;
        std::memcpy(&size, data.data() + pos, 4);
        std::memcpy(&seq, data.data() + pos + 12, 8);
        if (!evict.contains(seq)) kept.append(data, pos, kRecordHeader + size);
        pos += kRecordHeader + size;
      }
      const std::string tmp = Path(first) + ".tmp";
      const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (::write(fd, kept.data(), kept.size()) != static_cast<ssize_t>(kept.size())) {
        std::abort();
      }
      ::fdatasync(fd);
      ::close(fd);
      ::rename(tmp.c_str(), Path(first).c_str());
    }
    if (fd_ >= 0) {  // the open segment may have been replaced
      ::close(fd_);
      fd_ = ::open(Path(segments_.rbegin()->first).c_str(), O_WRONLY | O_APPEND);
    }
  }

  uint64_t DiskBytes() const {
    uint64_t total = 0;
    for (const auto& [first, last] : segments_) {
      struct stat st;
      if (::stat(Path(first).c_str(), &st) == 0) total += static_cast<uint64_t>(st.st_size);
    }
    return total;
  }

 private:
  std::string Path(uint64_t first) const { return absl::StrCat(dir_, "/", first, ".seg"); }
  static std::string ReadAll(const std::string& path) {
    std::string data;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return data;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) data.append(buf, n);
    std::fclose(f);
    return data;
  }
  void Roll(uint64_t first) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(Path(first).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    const int dir = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
    ::fsync(dir);  // the new file's name is durable too
    ::close(dir);
    segments_[first] = first;
    current_bytes_ = 0;
  }

  const std::string dir_;
  std::map<uint64_t, uint64_t> segments_;  // first sequence -> last sequence
  int fd_ = -1;
  size_t current_bytes_ = 0;
};

// ---- The workload.
std::vector<SpooledAlert> MakeAlerts(size_t n, size_t body_bytes) {
  std::vector<SpooledAlert> alerts(n);
  std::mt19937 rng(42);
  for (size_t i = 0; i < n; ++i) {
    otasuke::v1::Alert a;
    a.set_sequence(i + 1);
    a.set_uuid("6c1d8e0a-2b55-4f1e-9a57-0f3f1b7c2a01");
    a.set_title("Script or Program Executed From a Temporary Directory");
    std::string text(body_bytes > 200 ? body_bytes - 200 : 10, 'x');
    for (char& c : text) c = static_cast<char>('a' + rng() % 26);
    a.mutable_explanation()->set_en(text);
    alerts[i].sequence = i + 1;
    alerts[i].severity = static_cast<otasuke::v1::Severity>(1 + rng() % 5);
    alerts[i].body = a.SerializeAsString();
  }
  return alerts;
}

// Every tenth alert among the least severe: what a full budget would evict.
std::set<uint64_t> EvictionSet(const std::vector<SpooledAlert>& alerts) {
  std::set<uint64_t> out;
  for (int s = 1; s <= 5 && out.size() < alerts.size() / 10; ++s) {
    for (const SpooledAlert& a : alerts) {
      if (a.severity == s && out.size() < alerts.size() / 10) out.insert(a.sequence);
    }
  }
  return out;
}

struct Result {
  std::string name;
  size_t batch;
  double append_per_s, ack_per_s, recover_ms, evict_ms;
  double disk_ratio;
};

double Seconds(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

template <typename AppendFn>
double TimeAppend(const std::vector<SpooledAlert>& alerts, size_t batch, AppendFn append) {
  const absl::Time start = absl::Now();
  for (size_t i = 0; i < alerts.size(); i += batch) {
    std::vector<SpooledAlert> group(alerts.begin() + i,
                                    alerts.begin() + std::min(alerts.size(), i + batch));
    append(group);
  }
  return static_cast<double>(alerts.size()) / Seconds(start);
}

Result RunSqlite(const std::string& dir, bool full, size_t batch,
                 const std::vector<SpooledAlert>& alerts, uint64_t payload) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/alert-spool.db";
  Result r{.name = full ? "sqlite-wal sync=FULL" : "sqlite-wal sync=NORMAL", .batch = batch};
  {
    auto spool = *SqliteAlertSpool::Open(path, {.fsync_every_commit = full});
    r.append_per_s = TimeAppend(alerts, batch, [&](const std::vector<SpooledAlert>& g) {
      SpoolCommit c;
      c.append = g;
      if (!spool->Apply(c).ok()) std::abort();
    });
    r.disk_ratio = static_cast<double>(spool->DiskBytes()) / static_cast<double>(payload);
  }
  {
    const absl::Time start = absl::Now();
    auto spool = *SqliteAlertSpool::Open(path, {.fsync_every_commit = full});
    if (spool->ListEntries()->size() != alerts.size()) std::abort();
    r.recover_ms = Seconds(start) * 1000;
    const std::set<uint64_t> evict = EvictionSet(alerts);
    const absl::Time evict_start = absl::Now();
    SpoolCommit c;
    c.remove.assign(evict.begin(), evict.end());
    if (!spool->Apply(c).ok()) std::abort();
    r.evict_ms = Seconds(evict_start) * 1000;
    const absl::Time ack_start = absl::Now();
    for (size_t i = 256; i <= alerts.size() + 255; i += 256) {
      SpoolCommit ack;
      ack.remove_through = std::min(i, alerts.size());
      if (!spool->Apply(ack).ok()) std::abort();
    }
    r.ack_per_s = static_cast<double>(alerts.size()) / Seconds(ack_start);
  }
  return r;
}

Result RunSegmentLog(const std::string& dir, size_t batch, const std::vector<SpooledAlert>& alerts,
                     uint64_t payload) {
  std::filesystem::remove_all(dir);
  Result r{.name = "segment log, fdatasync", .batch = batch};
  SegmentLog log(dir);
  r.append_per_s =
      TimeAppend(alerts, batch, [&](const std::vector<SpooledAlert>& g) { log.Append(g); });
  r.disk_ratio = static_cast<double>(log.DiskBytes()) / static_cast<double>(payload);
  std::vector<SpoolEntry> entries;
  absl::Time start = absl::Now();
  if (log.Recover(&entries) != alerts.size()) std::abort();
  r.recover_ms = Seconds(start) * 1000;
  start = absl::Now();
  log.Evict(EvictionSet(alerts));
  r.evict_ms = Seconds(start) * 1000;
  start = absl::Now();
  for (size_t i = 256; i <= alerts.size() + 255; i += 256) {
    log.AckThrough(std::min(i, alerts.size()));
  }
  r.ack_per_s = static_cast<double>(alerts.size()) / Seconds(start);
  return r;
}

int Main(int argc, char** argv) {
  size_t n = 20000;
  size_t body_bytes = 1500;
  std::string base = "/var/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--alerts") n = std::stoul(argv[i + 1]);
    if (flag == "--body-bytes") body_bytes = std::stoul(argv[i + 1]);
    if (flag == "--dir") base = argv[i + 1];
  }
  const std::string dir = absl::StrCat(base, "/otasuke-spool-bench-", ::getpid());
  const std::vector<SpooledAlert> all = MakeAlerts(n, body_bytes);
  std::printf("%zu alerts of %zu bytes, in %s\n\n", n, all[0].body.size(), dir.c_str());
  std::printf(
      "| spool | alerts per fsync | append alerts/s | ack-delete alerts/s | "
      "restart recovery ms | evict 10%% ms | disk / payload |\n|---|---|---|---|---|---|---|\n");
  for (size_t batch : {1, 16, 256}) {
    // One fsync per alert is slow: measured on fewer alerts.
    const std::vector<SpooledAlert> alerts(
        all.begin(), all.begin() + (batch == 1 ? std::min<size_t>(n, 1000) : n));
    uint64_t payload = 0;
    for (const SpooledAlert& a : alerts) payload += a.body.size();
    for (const Result& r : {RunSqlite(dir, true, batch, alerts, payload),
                            RunSqlite(dir, false, batch, alerts, payload),
                            RunSegmentLog(dir, batch, alerts, payload)}) {
      std::printf("| %s | %zu | %.0f | %.0f | %.1f | %.1f | %.2f |\n", r.name.c_str(), r.batch,
                  r.append_per_s, r.ack_per_s, r.recover_ms, r.evict_ms, r.disk_ratio);
      std::fflush(stdout);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace otasuke::agent

int main(int argc, char** argv) { return otasuke::agent::Main(argc, argv); }
