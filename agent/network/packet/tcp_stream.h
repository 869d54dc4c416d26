#pragma once
// One direction of a TCP connection, reassembled. Segments are placed by sequence number:
// retransmissions are dropped, overlaps keep the first copy (Suricata's default "bsd"
// policy for the common case), out-of-order segments wait in a bounded queue, and a hole the
// peer has acknowledged (or that outlives the queue) becomes a counted gap. Only the first
// `depth` bytes are kept, like Suricata's stream.reassembly.depth.
//
// Reassembled bytes go two ways: to a sink as soon as they are in order (the app-layer
// parser), and into a raw buffer that detection drains in acknowledged chunks, as Suricata's
// IDS mode inspects raw stream data once the receiver has acknowledged it.

#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace otasuke::network {

struct StreamConfig {
  uint64_t depth = 1024 * 1024;            // bytes reassembled per direction (0 = unlimited)
  uint32_t max_out_of_order = 256 * 1024;  // bytes waiting behind a hole per direction
};

struct StreamStats {
  uint64_t segments = 0;
  uint64_t bytes = 0;            // bytes placed in order
  uint64_t retransmissions = 0;  // segments entirely already seen
  uint64_t overlaps = 0;         // segments partly already seen
  uint64_t out_of_order = 0;     // segments queued behind a hole
  uint64_t gaps = 0;             // holes skipped
  uint64_t gap_bytes = 0;
  uint64_t ooo_dropped = 0;    // segments dropped because the queue was full
  uint64_t depth_reached = 0;  // directions that hit the depth
};

// Receives in-order data. `gap` is true for a call announcing that `len` bytes are missing
// (data is then null).
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void OnStreamData(int direction, const uint8_t* data, uint32_t len) = 0;
  virtual void OnStreamGap(int direction, uint32_t len) = 0;
  // The stream's memory() changed while adding a segment or taking an acknowledgement (the raw
  // buffer reallocated, the out-of-order queue changed): rare, as most segments fit the raw
  // buffer's capacity.
  virtual void OnStreamMemoryChanged(int direction) {}
};

class TcpStream {
 public:
  TcpStream() = default;

  // Sets the sequence number of the first data byte (ISN + 1 after a SYN).
  void Init(uint32_t first_seq);
  bool initialized() const { return initialized_; }

  // Adds a segment's payload. `fin` marks the end of this direction.
  void AddSegment(uint32_t seq, const uint8_t* data, uint32_t len, StreamSink& sink, int direction,
                  StreamConfig const& config, StreamStats& stats);

  // The peer acknowledged up to `ack`: data before it may be inspected; a hole before it
  // will never be filled, so it is skipped. Inline: it runs for nearly every TCP packet, and
  // a hole to skip is rare.
  void OnPeerAck(uint32_t ack, StreamSink& sink, int direction, StreamStats& stats) {
    if (!initialized_) return;
    const uint64_t offset = Offset(ack);
    // An ACK far beyond anything sent is bogus (or for data we never saw at all); only move
    // past holes that queued data proves exist.
    if (offset > acked_) acked_ = offset;
    if (acked_ > next_ && !ooo_.empty()) SkipAckedHole(sink, direction, stats);
  }

  // At the end of the flow: skip every remaining hole and deliver what is queued.
  void FlushAll(StreamSink& sink, int direction, StreamStats& stats);

  // Raw data not yet inspected, up to the acknowledged edge (or everything when `all`).
  std::span<const uint8_t> RawPending(bool all) const;
  // Marks `len` bytes of RawPending as inspected and releases them.
  void ConsumeRaw(size_t len);

  // Frees the raw buffer and the out-of-order queue: nothing will read this direction again
  // (the caller stops adding segments).
  void Release();

  // Bytes held (raw buffer + out-of-order queue), for the flow memory cap.
  size_t memory() const { return raw_.capacity() + ooo_bytes_; }
  uint64_t next_offset() const { return next_; }
  bool depth_reached() const { return depth_reached_; }

 private:
  // Relative offset of `seq` near the current position (64-bit, wrap-safe).
  uint64_t Offset(uint32_t seq) const {
    // The distance from the current position as a signed 32-bit value: segments within 2 GB
    // either side are placed correctly across sequence wrap.
    const uint32_t next_seq = base_seq_ + static_cast<uint32_t>(next_);
    const int32_t delta = static_cast<int32_t>(seq - next_seq);
    if (delta < 0 && static_cast<uint64_t>(-static_cast<int64_t>(delta)) > next_) return 0;
    return next_ + delta;
  }
  // OnPeerAck's rare half: the first queued segment lies before the acknowledged edge, so the
  // hole in front of it is skipped.
  void SkipAckedHole(StreamSink& sink, int direction, StreamStats& stats);
  void Deliver(const uint8_t* data, uint32_t len, StreamSink& sink, int direction,
               const StreamConfig* config, StreamStats& stats);
  void Drain(StreamSink& sink, int direction, StreamStats& stats);
  void SkipTo(uint64_t offset, StreamSink& sink, int direction, StreamStats& stats);

  // Fields every segment and ACK reads first; the out-of-order queue, rarely used, last.
  bool initialized_ = false;
  bool depth_reached_ = false;
  uint32_t base_seq_ = 0;  // sequence number of offset 0
  uint64_t next_ = 0;      // offset of the next in-order byte
  uint64_t acked_ = 0;     // offset the peer acknowledged
  uint64_t depth_ = 0;

  // In-order bytes; raw_[raw_head_..] are not yet inspected and start at offset raw_base_.
  std::vector<uint8_t> raw_;
  size_t raw_head_ = 0;
  uint64_t raw_base_ = 0;
  size_t ooo_bytes_ = 0;
  std::map<uint64_t, std::vector<uint8_t>> ooo_;  // queued segments by offset
};

}  // namespace otasuke::network
