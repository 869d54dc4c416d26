#pragma once
// IPv4 and IPv6 fragment reassembly. Fragments of one datagram are collected (first copy
// wins where they overlap, as BSD and Suricata's default policy do); when the datagram is
// complete its unfragmentable header and the joined payload are handed back in a buffer the
// defragmenter owns until the next call. Bounded by datagram count, bytes and a timeout.

#include <cstdint>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "agent/network/packet/packet.h"

namespace otasuke::network {

struct DefragConfig {
  size_t max_datagrams = 4096;          // datagrams being reassembled at once
  size_t max_bytes = 16 * 1024 * 1024;  // payload bytes held over all datagrams
  int64_t timeout_usec = 60'000'000;    // a datagram not complete by then is dropped
};

struct DefragStats {
  uint64_t fragments = 0;
  uint64_t reassembled = 0;
  uint64_t timeouts = 0;
  uint64_t evicted = 0;   // dropped to respect the caps
  uint64_t overlaps = 0;  // fragments overlapping earlier data
};

class Defragmenter {
 public:
  struct Key {
    uint8_t family = 0;
    uint8_t proto = 0;  // IPv4 only (part of the RFC 791 key)
    uint32_t id = 0;
    IpAddress src;
    IpAddress dst;
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(H::combine_contiguous(std::move(h), k.src.bytes, 16),
                        absl::string_view(reinterpret_cast<const char*>(k.dst.bytes), 16), k.family,
                        k.proto, k.id);
    }
    friend bool operator==(const Key& a, const Key& b) {
      return a.family == b.family && a.proto == b.proto && a.id == b.id && a.src == b.src &&
             a.dst == b.dst;
    }
  };

  enum class Result { kHeld, kComplete, kError };

  explicit Defragmenter(DefragConfig config = {}) : config_(config) {}

  // Adds one fragment. `header` (the unfragmentable part) is kept from the fragment at
  // offset 0. On kComplete, *header_len and *out describe header + payload in a buffer valid
  // until the next call; the caller fixes length / next-header fields.
  Result Add(const Key& key, int64_t ts_usec, uint32_t offset, bool more_fragments,
             std::span<const uint8_t> header, std::span<const uint8_t> payload,
             std::span<uint8_t>* out, uint32_t* header_len, DecodeError* error);

  // Drops datagrams older than the timeout.
  void Expire(int64_t now_usec);

  const DefragStats& stats() const { return stats_; }
  size_t pending() const { return datagrams_.size(); }

 private:
  struct Range {
    uint32_t begin;
    uint32_t end;
  };
  struct Datagram {
    int64_t first_seen_usec = 0;
    std::vector<uint8_t> header;
    std::vector<uint8_t> payload;
    std::vector<Range> ranges;  // sorted, disjoint
    uint32_t total_len = 0;     // known once the last fragment arrived
    bool have_last = false;
    bool have_first = false;
  };

  void Erase(absl::flat_hash_map<Key, Datagram>::iterator it);
  static bool Complete(const Datagram& d);

  DefragConfig config_;
  DefragStats stats_;
  absl::flat_hash_map<Key, Datagram> datagrams_;
  size_t bytes_held_ = 0;
  std::vector<uint8_t> output_;
};

}  // namespace otasuke::network
