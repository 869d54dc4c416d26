#include "agent/network/packet/flow_table.h"

#include "common/check.h"
#include "common/splitmix.h"

namespace otasuke::network {
namespace {

// Spreads a serial number into an id that looks random, as Suricata's hash-based flow_id does,
// while staying unique.
uint64_t Mix(uint64_t x) { return SplitMix64(x); }

constexpr int64_t kUsec = 1'000'000;

}  // namespace

FlowTable::FlowTable(FlowTableConfig config, FlowEndHandler* end_handler)
    : config_(config), end_handler_(end_handler) {}

FlowTable::~FlowTable() = default;

Flow* FlowTable::Find(const FlowKey& key) {
  if (last_found_ != nullptr && last_found_->key == key) return last_found_;
  auto it = flows_.find(key);
  if (it == flows_.end()) return nullptr;
  last_found_ = it->second.get();
  return last_found_;
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
    end_handler_->OnFlowEnd(*flow, reason);
  }
  Unlink(flow);
  if (last_found_ == flow) last_found_ = nullptr;
  stats_.memory -= std::min<uint64_t>(stats_.memory, flow->memory_accounted);
  auto it = flows_.find(flow->key);
  OTASUKE_CHECK(it != flows_.end());
  std::unique_ptr<Flow> owned = std::move(it->second);
  flows_.erase(it);
  stats_.active = flows_.size();
  // Keep a few shells for reuse so a steady flow rate does not allocate them each time.
  if (free_.size() < 1024) {
    *owned = Flow{};
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
  while (flows_.size() >= config_.max_flows && EvictOldest(nullptr)) {
  }
  std::unique_ptr<Flow> flow;
  if (!free_.empty()) {
    flow = std::move(free_.back());
    free_.pop_back();
  } else {
    flow = std::make_unique<Flow>();
  }
  flow->key = key;
  flow->flow_id = Mix(++next_serial_) & ((uint64_t{1} << 51) - 1);
  flow->first_usec = flow->last_usec = now_usec;
  Flow* raw = flow.get();
  flows_.emplace(key, std::move(flow));
  PushFront(raw);
  ++stats_.created;
  stats_.active = flows_.size();
  Account(raw);
  return raw;
}

void FlowTable::Touch(Flow* flow, int64_t now_usec) {
  if (now_usec > flow->last_usec) flow->last_usec = now_usec;
  if (lru_head_ != flow) {
    Unlink(flow);
    PushFront(flow);
  }
}

void FlowTable::Account(Flow* flow) {
  const size_t now = flow->memory();
  stats_.memory += now;
  stats_.memory -= std::min<uint64_t>(stats_.memory, flow->memory_accounted);
  flow->memory_accounted = now;
  bool hit = false;
  while (stats_.memory > config_.memcap && flows_.size() > 1) {
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

void FlowTable::Expire(int64_t now_usec) {
  // Once per second of packet time is plenty for second-granular timeouts.
  if (now_usec - last_expire_usec_ < kUsec) return;
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
