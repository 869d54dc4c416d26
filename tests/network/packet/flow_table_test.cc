// The flow table's open-addressing index: flows stay findable across growth and across
// removals in any order (backward-shift deletion keeps probe runs intact), ended flows are gone
// and reported once, and the flow-count and memory caps still evict least recently seen first.

#include "agent/network/packet/flow_table.h"

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace otasuke::network {
namespace {

constexpr int64_t kSecond = 1'000'000;

FlowKey KeyOf(uint64_t n) {
  FlowKey key;
  key.words[0] = 0x0a000000 + (n % 251);
  key.words[2] = 0xc0a80000 + n / 251;
  key.words[4] = (n * 7919) & 0xffff;
  return key;
}

class Recorder : public FlowEndHandler {
 public:
  void OnFlowEnd(Flow& flow, FlowEndReason reason) override {
    ++ended[flow.flow_id];
    last_reason = reason;
  }
  std::map<uint64_t, int> ended;
  FlowEndReason last_reason = FlowEndReason::kShutdown;
};

TEST(FlowTableTest, FindsEveryFlowAcrossGrowthAndRandomRemovals) {
  Recorder recorder;
  FlowTableConfig config;
  config.max_flows = 1 << 20;
  FlowTable table(config, &recorder);
  std::mt19937_64 random(7);
  constexpr uint64_t kFlows = 20'000;  // the index starts at 1,024 slots: several growths
  std::vector<uint64_t> ids(kFlows);
  std::vector<int64_t> seen(kFlows);
  std::vector<uint64_t> order(kFlows);
  for (uint64_t n = 0; n < kFlows; ++n) {
    // Each flow gets a random start second, so the timeout below ends a random subset of the
    // keys (flows are created in time order, as packets come).
    seen[n] = static_cast<int64_t>(random() % 100) * kSecond;
    order[n] = n;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](uint64_t a, uint64_t b) { return seen[a] < seen[b]; });
  for (uint64_t n : order) {
    ASSERT_EQ(table.Find(KeyOf(n)), nullptr) << n;
    Flow* flow = table.Create(KeyOf(n), seen[n]);
    flow->proto = kProtoUdp;
    ids[n] = flow->flow_id;
  }
  ASSERT_EQ(table.size(), kFlows);
  for (uint64_t n = 0; n < kFlows; ++n) {
    Flow* flow = table.Find(KeyOf(n));
    ASSERT_NE(flow, nullptr) << n;
    EXPECT_EQ(flow->flow_id, ids[n]);
  }
  // UDP flows without a reply time out after 30 s: at second 70, those last seen before 40 end.
  table.Expire(70 * kSecond);
  size_t remaining = 0;
  for (uint64_t n = 0; n < kFlows; ++n) {
    Flow* flow = table.Find(KeyOf(n));
    if (seen[n] < 40 * kSecond) {
      EXPECT_EQ(flow, nullptr) << n;
      EXPECT_EQ(recorder.ended[ids[n]], 1) << n;
    } else {
      ASSERT_NE(flow, nullptr) << n;
      EXPECT_EQ(flow->flow_id, ids[n]);
      EXPECT_EQ(recorder.ended.count(ids[n]), 0u) << n;
      ++remaining;
    }
  }
  EXPECT_EQ(table.size(), remaining);
  EXPECT_EQ(table.stats().active, remaining);
  EXPECT_EQ(table.stats().timed_out, kFlows - remaining);
  // Ended keys can be created again (recycled flows) and are new flows.
  for (uint64_t n = 0; n < kFlows; ++n) {
    if (seen[n] >= 40 * kSecond) continue;
    Flow* flow = table.Create(KeyOf(n), 71 * kSecond);
    EXPECT_NE(flow->flow_id, ids[n]);
    EXPECT_EQ(flow->packets[0], 0u);
    EXPECT_EQ(table.Find(KeyOf(n)), flow);
  }
  EXPECT_EQ(table.size(), kFlows);
  table.Drain();
  EXPECT_EQ(table.size(), 0u);
  for (uint64_t n = 0; n < kFlows; ++n) EXPECT_EQ(table.Find(KeyOf(n)), nullptr) << n;
  EXPECT_EQ(recorder.last_reason, FlowEndReason::kShutdown);
}

TEST(FlowTableTest, FlowCapEvictsLeastRecentlySeen) {
  Recorder recorder;
  FlowTableConfig config;
  config.max_flows = 100;
  FlowTable table(config, &recorder);
  std::vector<uint64_t> ids;
  for (uint64_t n = 0; n < 100; ++n) ids.push_back(table.Create(KeyOf(n), 0)->flow_id);
  // Flow 0 is seen again, so flow 1 is now the least recently seen.
  table.Touch(table.Find(KeyOf(0)), 1);
  table.Create(KeyOf(1000), 2);
  EXPECT_EQ(table.stats().evicted, 1u);
  EXPECT_EQ(recorder.ended[ids[1]], 1);
  EXPECT_EQ(recorder.last_reason, FlowEndReason::kEvicted);
  EXPECT_EQ(table.Find(KeyOf(1)), nullptr);
  EXPECT_NE(table.Find(KeyOf(0)), nullptr);
  EXPECT_NE(table.Find(KeyOf(1000)), nullptr);
  EXPECT_EQ(table.size(), 100u);
}

TEST(FlowTableTest, MemoryCapEvictsOthersAndCountsHits) {
  Recorder recorder;
  FlowTableConfig config;
  const size_t per_flow = Flow{}.memory();
  config.memcap = 10 * per_flow;  // room for ten new flows
  FlowTable table(config, &recorder);
  for (uint64_t n = 0; n < 25; ++n) table.Create(KeyOf(n), static_cast<int64_t>(n));
  EXPECT_LE(table.stats().memory, config.memcap);
  EXPECT_EQ(table.size(), 10u);
  EXPECT_EQ(table.stats().evicted, 15u);
  EXPECT_EQ(table.stats().memcap_hits, 15u);
  for (uint64_t n = 15; n < 25; ++n) EXPECT_NE(table.Find(KeyOf(n)), nullptr) << n;
}

// Ending a flow re-accounts its memory (FlowTracker::FinishFlow feeds the last data to the
// parsers, then Done accounts it), and that can pass the memory cap. The expiry walk ends flows
// from the LRU tail while holding the next one to visit: were that re-accounting to evict it (or
// the flow being ended) the walk would go on over a freed or recycled shell. Thousands of idle
// flows (more than the 1,024 recycled shells, so some are freed) expire while each end grows
// its flow past the cap; run under ASan by `make asan`.
class MemoryGrowingEnd : public FlowEndHandler {
 public:
  explicit MemoryGrowingEnd(size_t growth) : growth_(growth) {}
  void OnFlowEnd(Flow& flow, FlowEndReason reason) override {
    ++ended[flow.flow_id];
    if (reason == FlowEndReason::kEvicted) ++evicted_while_ending;
    flow.probe_buf[0].reserve(growth_);
    table->Account(&flow);
  }
  FlowTable* table = nullptr;
  std::map<uint64_t, int> ended;
  int evicted_while_ending = 0;

 private:
  size_t growth_;
};

TEST(FlowTableTest, FlowEndsGrowingPastTheMemoryCapEvictNothingDuringTheExpiryWalk) {
  const size_t per_flow = Flow{}.memory();
  constexpr uint64_t kFlows = 3000;
  MemoryGrowingEnd handler(4 * per_flow);
  FlowTableConfig config;
  config.memcap = (kFlows + 1) * per_flow;  // every flow fits, one end's growth does not
  FlowTable table(config, &handler);
  handler.table = &table;
  std::vector<uint64_t> ids(kFlows);
  for (uint64_t n = 0; n < kFlows; ++n) {
    Flow* flow = table.Create(KeyOf(n), 0);
    flow->proto = n % 2 == 0 ? kProtoUdp : kProtoTcp;
    ids[n] = flow->flow_id;
  }
  ASSERT_EQ(table.size(), kFlows);
  ASSERT_EQ(table.stats().evicted, 0u);
  // UDP flows without a reply time out after 30 s, TCP flows without a handshake after 60 s: at
  // second 45 the even (UDP) flows end, interleaved in the LRU order with odd (TCP) ones that
  // stay, so the walk goes on past each end.
  table.Expire(45 * kSecond);
  EXPECT_EQ(handler.evicted_while_ending, 0);
  EXPECT_EQ(table.stats().evicted, 0u);
  EXPECT_EQ(table.stats().timed_out, kFlows / 2);
  EXPECT_EQ(table.size(), kFlows / 2);
  EXPECT_LE(table.stats().memory, config.memcap);
  for (uint64_t n = 0; n < kFlows; ++n) {
    if (n % 2 == 0) {
      EXPECT_EQ(handler.ended[ids[n]], 1) << n;
      EXPECT_EQ(table.Find(KeyOf(n)), nullptr) << n;
    } else {
      EXPECT_EQ(handler.ended.count(ids[n]), 0u) << n;
      EXPECT_NE(table.Find(KeyOf(n)), nullptr) << n;
    }
  }
  // The same at the end of input: every flow ends once, none evicted by another's end.
  table.Drain();
  EXPECT_EQ(handler.evicted_while_ending, 0);
  EXPECT_EQ(table.size(), 0u);
  for (uint64_t n = 0; n < kFlows; ++n) EXPECT_EQ(handler.ended[ids[n]], 1) << n;
}

}  // namespace
}  // namespace otasuke::network
