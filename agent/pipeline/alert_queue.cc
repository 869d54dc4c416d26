#include "agent/pipeline/alert_queue.h"

#include <algorithm>

#include "common/log.h"
#include "common/thread_name.h"

namespace otasuke::agent {
namespace {

otasuke::v1::Severity ClampSeverity(int severity) {
  return otasuke::v1::Severity_IsValid(severity) ? static_cast<otasuke::v1::Severity>(severity)
                                                 : otasuke::v1::SEVERITY_UNSPECIFIED;
}

// Removes `sequence` from an oldest-first list; it is nearly always the front.
void EraseSequence(std::deque<uint64_t>& list, uint64_t sequence) {
  if (!list.empty() && list.front() == sequence) {
    list.pop_front();
    return;
  }
  auto it = std::lower_bound(list.begin(), list.end(), sequence);
  if (it != list.end() && *it == sequence) list.erase(it);
}

}  // namespace

AlertQueue::AlertQueue(AlertQueueLimits limits, AlertSpool& spool, AgentState& state,
                       AgentCounters& counters)
    : limits_(limits), spool_(spool), state_(state), counters_(counters) {
  if (spool_.recovery().lost > 0) {
    counters_.CountDrop(otasuke::v1::DROP_REASON_SPOOL_CORRUPT, spool_.recovery().lost);
  }
  absl::StatusOr<std::vector<SpoolEntry>> entries = spool_.ListEntries();
  if (!entries.ok()) {
    // Not reachable with a file that opened; if it happens the stored alerts stay on disk and
    // the next start tries again.
    LOG_ERROR("cannot list the alert spool: %s", entries.status().ToString());
  } else {
    absl::MutexLock lock(&mu_);
    for (const SpoolEntry& e : *entries) {
      const uint64_t bytes = e.bytes + kRowOverheadBytes;
      index_[e.sequence] =
          Entry{.bytes = bytes, .severity = e.severity, .committed = true, .in_spool = true};
      by_severity_[e.severity].push_back(e.sequence);
      stored_bytes_ += bytes;
    }
    // The budget may have been lowered since these were stored.
    MakeRoom(0, otasuke::v1::Severity_MAX);
    if (!index_.empty()) {
      LOG_INFO("alert spool: %d alerts from before the restart will be sent", index_.size());
    }
  }
  writer_ = std::thread([this] {
    NameThisThread("spool-writer");
    WriterLoop();
  });
}

AlertQueue::~AlertQueue() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

bool AlertQueue::MakeRoom(uint64_t bytes, otasuke::v1::Severity severity) {
  if (bytes > limits_.spool_max_bytes) return false;
  while (stored_bytes_ + bytes > limits_.spool_max_bytes) {
    size_t lowest = 0;
    while (lowest < kSeverities && by_severity_[lowest].empty()) ++lowest;
    if (lowest == kSeverities || lowest > static_cast<size_t>(severity)) return false;
    Evict(by_severity_[lowest].front(), otasuke::v1::DROP_REASON_SPOOL_EVICTED);
  }
  return true;
}

void AlertQueue::Evict(uint64_t sequence, otasuke::v1::DropReason reason) {
  auto it = index_.find(sequence);
  if (it == index_.end()) return;
  const Entry entry = it->second;
  index_.erase(it);
  stored_bytes_ -= entry.bytes;
  EraseSequence(by_severity_[entry.severity], sequence);
  if (sequence <= last_sent_ && in_flight_ > 0) --in_flight_;
  if (entry.in_spool) {
    remove_.push_back(sequence);
  } else {
    auto p = std::find_if(pending_.begin(), pending_.end(),
                          [&](const SpooledAlert& a) { return a.sequence == sequence; });
    if (p != pending_.end()) {
      pending_bytes_ -= p->body.size();
      pending_.erase(p);
    }
  }
  counters_.CountDrop(reason);
}

bool AlertQueue::Push(otasuke::v1::Alert&& alert) {
  const otasuke::v1::Severity severity = ClampSeverity(alert.severity());
  // The sequence adds at most 11 bytes (tag + varint): counted before it is assigned, so a
  // refused alert takes no sequence and the stream has no holes of our making.
  const uint64_t body_bytes = alert.ByteSizeLong() + 11;
  const uint64_t bytes = body_bytes + kRowOverheadBytes;
  absl::MutexLock lock(&mu_);
  if (pending_.size() >= limits_.max_alerts || pending_bytes_ + body_bytes > limits_.max_bytes) {
    counters_.CountDrop(otasuke::v1::DROP_REASON_QUEUE_FULL);
    return false;
  }
  if (!MakeRoom(bytes, severity)) {
    counters_.CountDrop(otasuke::v1::DROP_REASON_SPOOL_FULL);
    return false;
  }
  absl::StatusOr<uint64_t> seq = state_.NextSequence();
  if (!seq.ok()) {
    // Without a durable reservation the sequence could repeat after a crash.
    LOG_ERROR("cannot reserve alert sequence: %s", seq.status().ToString());
    counters_.CountDrop(otasuke::v1::DROP_REASON_SPOOL_WRITE_FAILED);
    return false;
  }
  alert.set_sequence(*seq);
  SpooledAlert& spooled = pending_.emplace_back();
  spooled.sequence = *seq;
  spooled.severity = severity;
  alert.SerializeToString(&spooled.body);
  pending_bytes_ += spooled.body.size();
  index_[*seq] = Entry{.bytes = bytes, .severity = severity, .committed = false, .in_spool = false};
  by_severity_[severity].push_back(*seq);
  stored_bytes_ += bytes;
  return true;
}

void AlertQueue::WriterLoop() {
  for (;;) {
    SpoolCommit commit;
    {
      absl::MutexLock lock(&mu_);
      auto work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !pending_.empty() || !remove_.empty() || remove_through_ > 0;
      };
      mu_.Await(absl::Condition(&work));
      if (pending_.empty() && remove_.empty() && remove_through_ == 0) return;  // stopping
      commit.append.swap(pending_);
      pending_bytes_ = 0;
      for (const SpooledAlert& a : commit.append) index_[a.sequence].in_spool = true;
      commit.remove.swap(remove_);
      commit.remove_through = remove_through_;
      remove_through_ = 0;
      committing_ = true;
    }
    absl::Status status = spool_.Apply(commit);
    absl::MutexLock lock(&mu_);
    committing_ = false;
    if (status.ok()) {
      // Raised now: durable. (An alert evicted during the commit is in remove_ already.)
      for (const SpooledAlert& a : commit.append) {
        auto it = index_.find(a.sequence);
        if (it == index_.end()) continue;
        it->second.committed = true;
        counters_.CountAlert();
      }
      continue;
    }
    LOG_ERROR("alert spool write failed, %d new alerts lost: %s", commit.append.size(),
              status.ToString());
    for (const SpooledAlert& a : commit.append) {
      Evict(a.sequence, otasuke::v1::DROP_REASON_SPOOL_WRITE_FAILED);
    }
    // Deletes are retried with the next commit, after a pause (the disk may be full).
    remove_.insert(remove_.end(), commit.remove.begin(), commit.remove.end());
    remove_through_ = std::max(remove_through_, commit.remove_through);
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Milliseconds(200));
    if (stopping_) return;
  }
}

bool AlertQueue::Flush(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto done = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return pending_.empty() && remove_.empty() && remove_through_ == 0 && !committing_;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&done), deadline);
}

bool AlertQueue::Sendable() const {
  if (in_flight_ >= limits_.max_in_flight) return false;
  auto it = index_.upper_bound(last_sent_);
  return it != index_.end() && it->second.committed;
}

size_t AlertQueue::NextBatch(otasuke::v1::AlertBatch* batch, size_t max_alerts, size_t max_bytes,
                             absl::Time deadline) {
  std::vector<uint64_t> chosen;
  uint64_t rewinds = 0;
  {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return interrupted_ || Sendable(); };
    mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
    interrupted_ = false;
    if (!Sendable()) return 0;
    const size_t room = std::min(max_alerts, limits_.max_in_flight - in_flight_);
    for (auto it = index_.upper_bound(last_sent_);
         it != index_.end() && it->second.committed && chosen.size() < room; ++it) {
      chosen.push_back(it->first);
    }
    rewinds = rewinds_;
  }
  // Read outside the lock: Push() never waits for the disk.
  std::vector<SpooledAlert> rows;
  if (absl::Status read = spool_.ReadRange(chosen.front(), chosen.back(), &rows); !read.ok()) {
    LOG_ERROR("cannot read the alert spool: %s", read.ToString());
    absl::SleepFor(
        std::min(absl::Seconds(1), std::max(absl::ZeroDuration(), deadline - absl::Now())));
    return 0;
  }
  size_t n = 0;
  size_t bytes = 0;
  uint64_t last_included = 0;
  std::vector<uint64_t> corrupt;
  for (const SpooledAlert& row : rows) {
    if (!std::binary_search(chosen.begin(), chosen.end(), row.sequence)) continue;  // evicted
    const size_t size = row.body.size() + 8;
    if (n > 0 && bytes + size > max_bytes) break;
    otasuke::v1::Alert* alert = batch->add_alerts();
    if (!alert->ParseFromString(row.body) || alert->sequence() != row.sequence) {
      batch->mutable_alerts()->RemoveLast();
      corrupt.push_back(row.sequence);
      continue;
    }
    bytes += size;
    ++n;
    last_included = row.sequence;
  }
  absl::MutexLock lock(&mu_);
  for (uint64_t seq : corrupt) {
    LOG_ERROR("alert %d in the spool is unreadable: dropped", seq);
    Evict(seq, otasuke::v1::DROP_REASON_SPOOL_CORRUPT);
  }
  if (rewinds == rewinds_ && last_included > last_sent_) {
    for (const auto& a : batch->alerts()) {
      if (a.sequence() > last_sent_ && index_.contains(a.sequence())) ++in_flight_;
    }
    last_sent_ = last_included;
  }
  return n;
}

void AlertQueue::Ack(uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  if (sequence > acked_) acked_ = sequence;
  uint64_t through = 0;
  while (!index_.empty() && index_.begin()->first <= sequence && index_.begin()->second.committed) {
    const auto [seq, entry] = *index_.begin();
    index_.erase(index_.begin());
    stored_bytes_ -= entry.bytes;
    EraseSequence(by_severity_[entry.severity], seq);
    if (seq <= last_sent_ && in_flight_ > 0) --in_flight_;
    through = seq;
  }
  // Only what was committed goes from the file (an ack beyond it would be the collector's bug).
  if (through > remove_through_) remove_through_ = through;
  if (last_sent_ < through) last_sent_ = through;
}

void AlertQueue::RewindUnsent() {
  absl::MutexLock lock(&mu_);
  last_sent_ = acked_;
  in_flight_ = 0;
  ++rewinds_;
}

void AlertQueue::Interrupt() {
  absl::MutexLock lock(&mu_);
  interrupted_ = true;
}

size_t AlertQueue::depth() const {
  absl::MutexLock lock(&mu_);
  return index_.size();
}

uint64_t AlertQueue::stored_bytes() const {
  absl::MutexLock lock(&mu_);
  return stored_bytes_;
}

uint64_t AlertQueue::acked() const {
  absl::MutexLock lock(&mu_);
  return acked_;
}

}  // namespace otasuke::agent
