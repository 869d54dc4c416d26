#pragma once
// The flow table: flows by 5-tuple, least-recently-seen order for timeouts and evictions, a
// hard cap on flow count and on memory (flows plus their stream and parser buffers). When a
// flow ends — timeout, eviction, or Drain() at the end of input — the FlowEndHandler sees it
// one last time (to flush streams and log) before it is freed.

#include <cstdint>
#include <memory>
#include <vector>

#include "agent/network/packet/flow.h"

namespace otasuke::network {

struct FlowTimeouts {
  // Seconds without packets before a flow ends, by state (Suricata's defaults).
  int64_t tcp_new = 60;
  int64_t tcp_established = 600;
  int64_t tcp_closed = 60;
  int64_t udp_new = 30;
  int64_t udp_established = 300;
  int64_t other_new = 30;
  int64_t other_established = 300;
};

struct FlowTableConfig {
  size_t max_flows = 65536;
  size_t memcap = 256u * 1024 * 1024;  // bytes: flows + stream buffers + app-layer state
  FlowTimeouts timeouts;
};

enum class FlowEndReason : uint8_t { kTimeout, kEvicted, kShutdown };

class FlowEndHandler {
 public:
  virtual ~FlowEndHandler() = default;
  virtual void OnFlowEnd(Flow& flow, FlowEndReason reason) = 0;
};

struct FlowTableStats {
  uint64_t created = 0;
  uint64_t timed_out = 0;
  uint64_t evicted = 0;      // ended early to respect max_flows / memcap
  uint64_t memcap_hits = 0;  // times the memory cap forced an eviction
  uint64_t active = 0;
  uint64_t memory = 0;  // bytes currently accounted
};

class FlowTable {
 public:
  FlowTable(FlowTableConfig config, FlowEndHandler* end_handler);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Find, Touch and Expire run for every packet and are inline (their common case is a few
  // tests); out of line, the calls cost as much as that work.

  // The flow of `key`, or nullptr. Consecutive packets of one flow (half the packets of the
  // bench capture) skip the hash lookup.
  Flow* Find(const FlowKey& key) {
    if (last_found_ != nullptr && last_found_->key == key) return last_found_;
    return FindInIndex(key);
  }
  // Creates a flow (evicting the least recently seen ones if a cap is reached).
  Flow* Create(const FlowKey& key, int64_t now_usec);
  // Marks the flow as just seen.
  void Touch(Flow* flow, int64_t now_usec) {
    if (now_usec > flow->last_usec) flow->last_usec = now_usec;
    if (lru_head_ != flow) MoveToFront(flow);
  }
  // Re-reads the flow's memory use after it changed; may evict other flows, except while a
  // flow's end is being handled (its end releases more than it grew).
  void Account(Flow* flow);
  // Ends flows idle past their timeout. Checks once per second of packet time, which is plenty
  // for second-granular timeouts.
  void Expire(int64_t now_usec) {
    if (now_usec - last_expire_usec_ >= kExpireIntervalUsec) ExpireIdle(now_usec);
  }
  // Ends every flow (end of input / shutdown).
  void Drain();

  const FlowTableStats& stats() const { return stats_; }
  size_t size() const { return index_.size(); }
  int64_t TimeoutOf(const Flow& flow) const;

 private:
  static constexpr int64_t kExpireIntervalUsec = 1'000'000;

  Flow* FindInIndex(const FlowKey& key);
  void MoveToFront(Flow* flow);
  void ExpireIdle(int64_t now_usec);
  void Unlink(Flow* flow);
  void PushFront(Flow* flow);
  void End(Flow* flow, FlowEndReason reason);
  bool EvictOldest(const Flow* keep);

  // Flows by key: open addressing with linear probing over {hash, flow} slots, at most half
  // full, deletion by backward shift (no tombstones). A lookup hashes the key once, compares
  // 32-bit hashes in a 16-byte slot array and reads one flow's key; a node-based or generic
  // table cost twice that per packet.
  class Index {
   public:
    Index();
    Flow* Find(const FlowKey& key, uint32_t hash) const;
    void Insert(Flow* flow, uint32_t hash);
    void Erase(const Flow* flow, uint32_t hash);
    size_t size() const { return size_; }

   private:
    struct Slot {
      uint32_t hash = 0;
      Flow* flow = nullptr;  // null: empty
    };
    void Grow();
    std::vector<Slot> slots_;  // power-of-two size
    size_t mask_ = 0;
    size_t size_ = 0;
  };

  FlowTableConfig config_;
  FlowEndHandler* end_handler_;
  // Owns the flows it indexes (each live flow is also on the LRU list, which frees them).
  Index index_;
  // The flow of the previous Find(): consecutive packets of one flow skip the hash lookup.
  Flow* last_found_ = nullptr;
  std::vector<std::unique_ptr<Flow>> free_;  // recycled flows
  Flow* lru_head_ = nullptr;                 // most recently seen
  Flow* lru_tail_ = nullptr;                 // least recently seen
  FlowTableStats stats_;
  uint64_t next_serial_ = 0;
  int64_t last_expire_usec_ = 0;
  bool ending_ = false;  // the end handler runs: Account evicts nothing
};

}  // namespace otasuke::network
