#include "agent/network/packet/tcp_stream.h"

#include <algorithm>

namespace otasuke::network {

void TcpStream::Init(uint32_t first_seq) {
  initialized_ = true;
  base_seq_ = first_seq;
  next_ = 0;
  acked_ = 0;
}

void TcpStream::Deliver(const uint8_t* data, uint32_t len, StreamSink& sink, int direction,
                        const StreamConfig* config, StreamStats& stats) {
  if (depth_reached_) {
    next_ += len;
    return;
  }
  if (depth_ != 0 && next_ + len > depth_) {
    const uint32_t keep = next_ < depth_ ? static_cast<uint32_t>(depth_ - next_) : 0;
    if (keep > 0) Deliver(data, keep, sink, direction, config, stats);
    depth_reached_ = true;
    ++stats.depth_reached;
    next_ += len - keep;
    return;
  }
  const size_t capacity = raw_.capacity();
  raw_.insert(raw_.end(), data, data + len);
  if (raw_.capacity() != capacity) sink.OnStreamMemoryChanged(direction);
  next_ += len;
  stats.bytes += len;
  sink.OnStreamData(direction, data, len);
}

void TcpStream::Drain(StreamSink& sink, int direction, StreamStats& stats) {
  while (!ooo_.empty()) {
    auto it = ooo_.begin();
    const uint64_t begin = it->first;
    if (begin > next_) return;
    std::vector<uint8_t> data = std::move(it->second);
    ooo_bytes_ -= data.size();
    ooo_.erase(it);
    sink.OnStreamMemoryChanged(direction);
    const uint64_t end = begin + data.size();
    if (end <= next_) continue;  // entirely covered meanwhile
    const uint32_t skip = static_cast<uint32_t>(next_ - begin);
    Deliver(data.data() + skip, static_cast<uint32_t>(data.size() - skip), sink, direction, nullptr,
            stats);
  }
}

void TcpStream::SkipTo(uint64_t offset, StreamSink& sink, int direction, StreamStats& stats) {
  if (offset <= next_) return;
  const uint64_t missing = offset - next_;
  ++stats.gaps;
  stats.gap_bytes += missing;
  // Raw data before the hole stays to be inspected; the offsets of what follows shift so the
  // acknowledged edge still lines up with the buffer's end.
  if (!depth_reached_) {
    sink.OnStreamGap(direction, static_cast<uint32_t>(std::min<uint64_t>(missing, UINT32_MAX)));
  }
  next_ = offset;
  raw_base_ += missing;
}

void TcpStream::AddSegment(uint32_t seq, const uint8_t* data, uint32_t len, StreamSink& sink,
                           int direction, const StreamConfig& config, StreamStats& stats) {
  if (!initialized_ || len == 0) return;
  depth_ = config.depth;
  ++stats.segments;
  uint64_t begin = Offset(seq);
  const uint64_t end = begin + len;
  if (end <= next_) {
    ++stats.retransmissions;
    return;
  }
  if (begin < next_) {
    ++stats.overlaps;
    const uint32_t skip = static_cast<uint32_t>(next_ - begin);
    data += skip;
    len -= skip;
    begin = next_;
  }
  if (begin == next_) {
    Deliver(data, len, sink, direction, &config, stats);
    if (!ooo_.empty()) Drain(sink, direction, stats);
    return;
  }
  // Behind a hole: queue it, unless it is already queued or the queue is full.
  auto existing = ooo_.find(begin);
  if (existing != ooo_.end() && existing->second.size() >= len) {
    ++stats.retransmissions;
    return;
  }
  if (ooo_bytes_ + len > config.max_out_of_order) {
    // Give up on the hole: move past it to the oldest queued data, then try again.
    if (!ooo_.empty()) {
      SkipTo(ooo_.begin()->first, sink, direction, stats);
      Drain(sink, direction, stats);
      AddSegment(seq, data, len, sink, direction, config, stats);
      --stats.segments;
      return;
    }
    ++stats.ooo_dropped;
    return;
  }
  ++stats.out_of_order;
  if (existing != ooo_.end()) {
    ooo_bytes_ -= existing->second.size();
    existing->second.assign(data, data + len);
  } else {
    ooo_.emplace(begin, std::vector<uint8_t>(data, data + len));
  }
  ooo_bytes_ += len;
  sink.OnStreamMemoryChanged(direction);
}

void TcpStream::SkipAckedHole(StreamSink& sink, int direction, StreamStats& stats) {
  if (ooo_.begin()->first < acked_) {
    SkipTo(ooo_.begin()->first, sink, direction, stats);
    Drain(sink, direction, stats);
  }
}

void TcpStream::FlushAll(StreamSink& sink, int direction, StreamStats& stats) {
  while (!ooo_.empty()) {
    SkipTo(ooo_.begin()->first, sink, direction, stats);
    Drain(sink, direction, stats);
  }
}

void TcpStream::Release() {
  raw_base_ += raw_.size() - raw_head_;
  std::vector<uint8_t>().swap(raw_);
  raw_head_ = 0;
  ooo_.clear();
  ooo_bytes_ = 0;
}

std::span<const uint8_t> TcpStream::RawPending(bool all) const {
  const size_t pending = raw_.size() - raw_head_;
  size_t len = pending;
  if (!all) {
    const uint64_t edge = std::min(acked_, next_);
    len = edge > raw_base_ ? std::min<uint64_t>(edge - raw_base_, pending) : 0;
  }
  return std::span<const uint8_t>(raw_.data() + raw_head_, len);
}

void TcpStream::ConsumeRaw(size_t len) {
  len = std::min(len, raw_.size() - raw_head_);
  raw_head_ += len;
  raw_base_ += len;
  if (raw_head_ == raw_.size()) {
    raw_.clear();
    raw_head_ = 0;
    if (raw_.capacity() > 64 * 1024) raw_.shrink_to_fit();
  } else if (raw_head_ * 2 >= raw_.size()) {
    // Moving the rest to the front costs at most the bytes consumed since the last move, so
    // each byte is moved at most once on average (erasing at every call moved the whole
    // unacknowledged tail each time).
    raw_.erase(raw_.begin(), raw_.begin() + static_cast<std::ptrdiff_t>(raw_head_));
    raw_head_ = 0;
  }
}

}  // namespace otasuke::network
