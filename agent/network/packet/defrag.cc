#include "agent/network/packet/defrag.h"

#include <algorithm>
#include <cstring>

namespace otasuke::network {
namespace {
constexpr uint32_t kMaxDatagram = 65535;
}  // namespace

bool Defragmenter::Complete(const Datagram& d) {
  if (!d.have_last || !d.have_first) return false;
  return d.ranges.size() == 1 && d.ranges[0].begin == 0 && d.ranges[0].end == d.total_len;
}

void Defragmenter::Erase(absl::flat_hash_map<Key, Datagram>::iterator it) {
  bytes_held_ -= std::min(bytes_held_, it->second.payload.size());
  datagrams_.erase(it);
}

void Defragmenter::Expire(int64_t now_usec) {
  for (auto it = datagrams_.begin(); it != datagrams_.end();) {
    auto next = std::next(it);
    if (now_usec - it->second.first_seen_usec > config_.timeout_usec) {
      ++stats_.timeouts;
      Erase(it);
    }
    it = next;
  }
}

Defragmenter::Result Defragmenter::Add(const Key& key, int64_t ts_usec, uint32_t offset,
                                       bool more_fragments, std::span<const uint8_t> header,
                                       std::span<const uint8_t> payload, std::span<uint8_t>* out,
                                       uint32_t* header_len, DecodeError* error) {
  ++stats_.fragments;
  const uint32_t end = offset + static_cast<uint32_t>(payload.size());
  if (end > kMaxDatagram || (more_fragments && payload.size() % 8 != 0) ||
      (more_fragments && payload.empty())) {
    *error = end > kMaxDatagram ? DecodeError::kFragmentTooLarge : DecodeError::kBadFragment;
    return Result::kError;
  }
  auto it = datagrams_.find(key);
  if (it == datagrams_.end()) {
    if (datagrams_.size() >= config_.max_datagrams) {
      // Evict the oldest datagram; a linear scan is fine because this only happens under a
      // fragment flood, which the cap exists to survive.
      auto oldest = datagrams_.begin();
      for (auto i = datagrams_.begin(); i != datagrams_.end(); ++i) {
        if (i->second.first_seen_usec < oldest->second.first_seen_usec) oldest = i;
      }
      ++stats_.evicted;
      Erase(oldest);
    }
    it = datagrams_.emplace(key, Datagram{}).first;
    it->second.first_seen_usec = ts_usec;
  }
  Datagram& d = it->second;
  if (ts_usec - d.first_seen_usec > config_.timeout_usec) {
    // A stale datagram with a recycled id: start over.
    ++stats_.timeouts;
    bytes_held_ -= std::min(bytes_held_, d.payload.size());
    d = Datagram{};
    d.first_seen_usec = ts_usec;
  }
  if (!more_fragments) {
    if (d.have_last && d.total_len != end) {
      *error = DecodeError::kBadFragment;
      Erase(it);
      return Result::kError;
    }
    d.have_last = true;
    d.total_len = end;
  }
  if (d.have_last && end > d.total_len) {
    *error = DecodeError::kBadFragment;
    Erase(it);
    return Result::kError;
  }
  if (offset == 0 && !d.have_first) {
    d.have_first = true;
    d.header.assign(header.begin(), header.end());
  }
  if (end > d.payload.size()) {
    const size_t grow = end - d.payload.size();
    if (bytes_held_ + grow > config_.max_bytes) {
      ++stats_.evicted;
      Erase(it);
      *error = DecodeError::kFragmentTooLarge;
      return Result::kError;
    }
    bytes_held_ += grow;
    d.payload.resize(end);
  }
  // Copy only the parts not yet covered: the first copy of any byte wins.
  uint32_t cursor = offset;
  bool overlapped = false;
  for (const Range& r : d.ranges) {
    if (r.end <= cursor) continue;
    if (r.begin >= end) break;
    if (r.begin > cursor) {
      std::memcpy(d.payload.data() + cursor, payload.data() + (cursor - offset), r.begin - cursor);
    }
    overlapped = true;
    cursor = std::max(cursor, r.end);
    if (cursor >= end) break;
  }
  if (cursor < end) {
    std::memcpy(d.payload.data() + cursor, payload.data() + (cursor - offset), end - cursor);
  }
  if (overlapped) ++stats_.overlaps;
  // Merge [offset, end) into the range list.
  d.ranges.push_back(Range{offset, end});
  std::sort(d.ranges.begin(), d.ranges.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin; });
  std::vector<Range> merged;
  merged.reserve(d.ranges.size());
  for (const Range& r : d.ranges) {
    if (!merged.empty() && r.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, r.end);
    } else {
      merged.push_back(r);
    }
  }
  d.ranges.swap(merged);
  if (!Complete(d)) return Result::kHeld;

  output_.resize(d.header.size() + d.total_len);
  std::memcpy(output_.data(), d.header.data(), d.header.size());
  std::memcpy(output_.data() + d.header.size(), d.payload.data(), d.total_len);
  *header_len = static_cast<uint32_t>(d.header.size());
  *out = std::span<uint8_t>(output_.data(), output_.size());
  ++stats_.reassembled;
  Erase(it);
  return Result::kComplete;
}

}  // namespace otasuke::network
