#include "agent/network/packet/flow_table.h"

#include <memory>

#include "common/check.h"
#include "common/splitmix.h"

namespace otasuke::network {
namespace {

// Spreads a serial number into an id that looks random, as Suricata's hash-based flow_id does,
// while staying unique.
uint64_t Mix(uint64_t x) { return SplitMix64(x); }

constexpr int64_t kUsec = 1'000'000;
constexpr size_t kInitialSlots = 1024;

uint32_t HashOf(const FlowKey& key) { return static_cast<uint32_t>(FlowKeyHash()(key)); }

}  // namespace

FlowTable::Index::Index() : slots_(kInitialSlots), mask_(kInitialSlots - 1) {}

Flow* FlowTable::Index::Find(const FlowKey& key, uint32_t hash) const {
  for (size_t pos = hash & mask_;; pos = (pos + 1) & mask_) {
    const Slot& slot = slots_[pos];
    if (slot.flow == nullptr) return nullptr;
    if (slot.hash == hash && slot.flow->key == key) return slot.flow;
  }
}

void FlowTable::Index::Insert(Flow* flow, uint32_t hash) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  size_t pos = hash & mask_;
  while (slots_[pos].flow != nullptr) pos = (pos + 1) & mask_;
  slots_[pos] = Slot{hash, flow};
  ++size_;
}

void FlowTable::Index::Erase(const Flow* flow, uint32_t hash) {
  size_t hole = hash & mask_;
  while (slots_[hole].flow != flow) {
    OTASUKE_CHECK(slots_[hole].flow != nullptr);
    hole = (hole + 1) & mask_;
  }
  // Backward shift: each later slot of the probe run moves into the hole unless its home
  // position lies after the hole (cyclically), where a lookup would no longer reach it.
  for (size_t next = (hole + 1) & mask_; slots_[next].flow != nullptr; next = (next + 1) & mask_) {
    const size_t home = slots_[next].hash & mask_;
    if (((next - home) & mask_) >= ((next - hole) & mask_)) {
      slots_[hole] = slots_[next];
      hole = next;
    }
  }
  slots_[hole] = Slot{};
  --size_;
}

void FlowTable::Index::Grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.flow == nullptr) continue;
    size_t pos = slot.hash & mask_;
    while (slots_[pos].flow != nullptr) pos = (pos + 1) & mask_;
    slots_[pos] = slot;
  }
}

FlowTable::FlowTable(FlowTableConfig config, FlowEndHandler* end_handler)
    : config_(config), end_handler_(end_handler) {}

FlowTable::~FlowTable() {
  // Every live flow is on the LRU list; the index only points at them.
  for (Flow* flow = lru_head_; flow != nullptr;) {
    Flow* next = flow->lru_next;
    delete flow;
    flow = next;
  }
}

Flow* FlowTable::FindInIndex(const FlowKey& key) {
  Flow* flow = index_.Find(key, HashOf(key));
  if (flow != nullptr) last_found_ = flow;
  return flow;
}

void FlowTable::Unlink(Flow* flow) {
  if (flow->lru_prev != nullptr) {
    flow->lru_prev->lru_next = flow->lru_next;
  } else {
    lru_head_ = flow->lru_next;
  }
  if (flow->lru_next != nullptr) {
    flow->lru_next->lru_prev = flow->lru_prev;
  } else {
    lru_tail_ = flow->lru_prev;
  }
  flow->lru_prev = flow->lru_next = nullptr;
}

void FlowTable::PushFront(Flow* flow) {
  flow->lru_prev = nullptr;
  flow->lru_next = lru_head_;
  if (lru_head_ != nullptr) lru_head_->lru_prev = flow;
  lru_head_ = flow;
  if (lru_tail_ == nullptr) lru_tail_ = flow;
}

void FlowTable::End(Flow* flow, FlowEndReason reason) {
  if (end_handler_ != nullptr && !flow->end_handled) {
    flow->end_handled = true;
    // The handler's last inspections re-account the flow's memory (Account), which must not
    // evict: the victim could be the flow ExpireIdle visits next, or this flow itself when a
    // victim's own end re-accounts it (both were freed or recycled under the caller). The
    // flow's memory, about to be released, is what passed the cap.
    ending_ = true;
    end_handler_->OnFlowEnd(*flow, reason);
    ending_ = false;
  }
  Unlink(flow);
  if (last_found_ == flow) last_found_ = nullptr;
  stats_.memory -= std::min<uint64_t>(stats_.memory, flow->memory_accounted);
  index_.Erase(flow, flow->key_hash);
  std::unique_ptr<Flow> owned(flow);
  stats_.active = index_.size();
  // Keep a few shells for reuse so a steady flow rate does not allocate them each time. A shell
  // keeps its detection state's allocation, reset to a new flow's (allocating and freeing it
  // cost ≈ 500 instructions a flow, FlowTracker::NewFlow allocates one only for a new shell).
  if (free_.size() < 1024) {
    detect::FlowDetectStatePtr detect_state = std::move(owned->detect_state);
    // Destroyed and built again in place: assigning a temporary built one, moved it member by
    // member and destroyed it.
    std::destroy_at(owned.get());
    std::construct_at(owned.get());
    if (detect_state != nullptr) {
      detect::ResetFlowDetectState(*detect_state);
      owned->detect_state = std::move(detect_state);
    }
    free_.push_back(std::move(owned));
  }
}

bool FlowTable::EvictOldest(const Flow* keep) {
  Flow* victim = lru_tail_;
  if (victim == keep && victim != nullptr) victim = victim->lru_prev;
  if (victim == nullptr) return false;
  ++stats_.evicted;
  End(victim, FlowEndReason::kEvicted);
  return true;
}

Flow* FlowTable::Create(const FlowKey& key, int64_t now_usec) {
  while (index_.size() >= config_.max_flows && EvictOldest(nullptr)) {
  }
  std::unique_ptr<Flow> flow;
  if (!free_.empty()) {
    flow = std::move(free_.back());
    free_.pop_back();
  } else {
    flow = std::make_unique<Flow>();
  }
  flow->key = key;
  flow->key_hash = HashOf(key);
  flow->flow_id = Mix(++next_serial_) & ((uint64_t{1} << 51) - 1);
  flow->first_usec = flow->last_usec = now_usec;
  Flow* raw = flow.release();
  index_.Insert(raw, raw->key_hash);
  PushFront(raw);
  ++stats_.created;
  stats_.active = index_.size();
  Account(raw);
  return raw;
}

void FlowTable::MoveToFront(Flow* flow) {
  Unlink(flow);
  PushFront(flow);
}

void FlowTable::Account(Flow* flow) {
  const size_t now = flow->memory();
  stats_.memory += now;
  stats_.memory -= std::min<uint64_t>(stats_.memory, flow->memory_accounted);
  flow->memory_accounted = now;
  bool hit = false;
  while (!ending_ && stats_.memory > config_.memcap && index_.size() > 1) {
    hit = true;
    if (!EvictOldest(flow)) break;
  }
  if (hit) ++stats_.memcap_hits;
}

int64_t FlowTable::TimeoutOf(const Flow& flow) const {
  const FlowTimeouts& t = config_.timeouts;
  if (flow.proto == kProtoTcp) {
    if (flow.tcp_state == TcpState::kClosed || flow.rst) return t.tcp_closed * kUsec;
    return (flow.established() ? t.tcp_established : t.tcp_new) * kUsec;
  }
  if (flow.proto == kProtoUdp) {
    return (flow.established() ? t.udp_established : t.udp_new) * kUsec;
  }
  return (flow.established() ? t.other_established : t.other_new) * kUsec;
}

void FlowTable::ExpireIdle(int64_t now_usec) {
  last_expire_usec_ = now_usec;
  int64_t min_timeout = config_.timeouts.tcp_closed;
  for (int64_t t :
       {config_.timeouts.tcp_new, config_.timeouts.udp_new, config_.timeouts.other_new}) {
    min_timeout = std::min(min_timeout, t);
  }
  Flow* flow = lru_tail_;
  while (flow != nullptr && now_usec - flow->last_usec > min_timeout * kUsec) {
    Flow* prev = flow->lru_prev;
    if (now_usec - flow->last_usec > TimeoutOf(*flow)) {
      ++stats_.timed_out;
      End(flow, FlowEndReason::kTimeout);
    }
    flow = prev;
  }
}

void FlowTable::Drain() {
  // Oldest first, as flows would have timed out.
  while (lru_tail_ != nullptr) End(lru_tail_, FlowEndReason::kShutdown);
}

}  // namespace otasuke::network
