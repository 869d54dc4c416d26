// TCP reassembly of one direction: in order, retransmissions, overlaps (first copy wins),
// out-of-order segments, gaps skipped on the peer's ACK or at the end, the depth limit,
// sequence wrap, and acknowledged raw chunks for inspection.

#include "agent/network/packet/tcp_stream.h"

#include <string>

#include "gtest/gtest.h"

namespace otasuke::network {
namespace {

class Collect : public StreamSink {
 public:
  void OnStreamData(int, const uint8_t* data, uint32_t len) override {
    text.append(reinterpret_cast<const char*>(data), len);
  }
  void OnStreamGap(int, uint32_t len) override {
    text.append("<gap>");
    gaps += len;
  }
  std::string text;
  uint32_t gaps = 0;
};

class TcpStreamTest : public ::testing::Test {
 protected:
  void Add(uint32_t offset, std::string_view data) {
    stream.AddSegment(base + offset, reinterpret_cast<const uint8_t*>(data.data()),
                      static_cast<uint32_t>(data.size()), sink, 0, config, stats);
  }
  std::string Raw(bool all) {
    auto span = stream.RawPending(all);
    return std::string(reinterpret_cast<const char*>(span.data()), span.size());
  }
  uint32_t base = 1000;
  TcpStream stream;
  Collect sink;
  StreamConfig config;
  StreamStats stats;
  void SetUp() override { stream.Init(base); }
};

TEST_F(TcpStreamTest, InOrderAndRetransmission) {
  Add(0, "GET / ");
  Add(6, "HTTP/1.1");
  Add(0, "GET / ");  // retransmitted
  EXPECT_EQ(sink.text, "GET / HTTP/1.1");
  EXPECT_EQ(stats.retransmissions, 1u);
}

TEST_F(TcpStreamTest, OverlapKeepsFirstCopy) {
  Add(0, "abcdef");
  Add(3, "XYZghi");  // "XYZ" overlaps "def"
  EXPECT_EQ(sink.text, "abcdefghi");
  EXPECT_EQ(stats.overlaps, 1u);
}

TEST_F(TcpStreamTest, OutOfOrderIsReordered) {
  Add(6, "world");
  Add(11, "!");
  EXPECT_EQ(sink.text, "");
  EXPECT_EQ(stats.out_of_order, 2u);
  Add(0, "hello ");
  EXPECT_EQ(sink.text, "hello world!");
}

TEST_F(TcpStreamTest, GapSkippedWhenPeerAcksPastIt) {
  Add(0, "head");
  Add(10, "tail");
  stream.OnPeerAck(base + 14, sink, 0, stats);
  EXPECT_EQ(sink.text, "head<gap>tail");
  EXPECT_EQ(sink.gaps, 6u);
  EXPECT_EQ(stats.gaps, 1u);
}

// OnPeerAck is inline and hands only the rare hole to its out-of-line half: an ACK up to the
// in-order edge, or one stopping inside the hole, skips nothing; one past the start of the
// queued segment skips the hole.
TEST_F(TcpStreamTest, GapKeptUntilPeerAcksPastItsEnd) {
  Add(0, "head");
  Add(10, "tail");
  stream.OnPeerAck(base + 4, sink, 0, stats);
  stream.OnPeerAck(base + 8, sink, 0, stats);
  stream.OnPeerAck(base + 10, sink, 0, stats);
  EXPECT_EQ(sink.text, "head");
  EXPECT_EQ(stats.gaps, 0u);
  stream.OnPeerAck(base + 11, sink, 0, stats);
  EXPECT_EQ(sink.text, "head<gap>tail");
  EXPECT_EQ(sink.gaps, 6u);
  EXPECT_EQ(stats.gaps, 1u);
}

TEST_F(TcpStreamTest, GapSkippedAtFlowEnd) {
  Add(0, "a");
  Add(5, "b");
  Add(9, "c");
  stream.FlushAll(sink, 0, stats);
  EXPECT_EQ(sink.text, "a<gap>b<gap>c");
}

TEST_F(TcpStreamTest, OutOfOrderQueueIsBounded) {
  config.max_out_of_order = 8;
  Add(0, "x");
  Add(10, "12345");
  Add(20, "67890");  // queue full: give up the first hole
  EXPECT_EQ(sink.text, "x<gap>12345");
  EXPECT_GE(stats.gaps, 1u);
}

TEST_F(TcpStreamTest, DepthLimitsReassembly) {
  config.depth = 8;
  Add(0, "12345");
  Add(5, "67890");
  Add(10, "more");
  EXPECT_EQ(sink.text, "12345678");
  EXPECT_TRUE(stream.depth_reached());
  EXPECT_EQ(stats.depth_reached, 1u);
}

TEST_F(TcpStreamTest, SequenceWrap) {
  TcpStream wrapped;
  wrapped.Init(0xfffffffa);
  const std::string a = "0123456789";
  wrapped.AddSegment(0xfffffffa, reinterpret_cast<const uint8_t*>(a.data()), 10, sink, 0, config,
                     stats);
  const std::string b = "abc";
  wrapped.AddSegment(4, reinterpret_cast<const uint8_t*>(b.data()), 3, sink, 0, config, stats);
  EXPECT_EQ(sink.text, "0123456789abc");
}

TEST_F(TcpStreamTest, RawChunksFollowAcknowledgements) {
  Add(0, "GET /ev");
  Add(7, "il HTTP/1.0");
  EXPECT_EQ(Raw(false), "");  // nothing acknowledged yet
  stream.OnPeerAck(base + 18, sink, 0, stats);
  EXPECT_EQ(Raw(false), "GET /evil HTTP/1.0");  // both segments in one chunk
  stream.ConsumeRaw(18);
  EXPECT_EQ(Raw(true), "");
  Add(18, "\r\n");
  EXPECT_EQ(Raw(false), "");
  EXPECT_EQ(Raw(true), "\r\n");
}

// Acknowledgements that lag behind the data: each chunk is consumed while later data waits,
// and what waits stays intact however often the consumed front is dropped.
TEST_F(TcpStreamTest, PartlyConsumedRawDataStaysInOrder) {
  std::string expected;
  uint32_t offset = 0;
  uint32_t acked = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string segment = std::string(1 + i % 7, static_cast<char>('a' + i % 26));
    Add(offset, segment);
    offset += static_cast<uint32_t>(segment.size());
    expected += segment;
    // The peer acknowledges all but the last few bytes.
    const uint32_t ack = offset > 5 ? offset - 5 : 0;
    if (ack <= acked) continue;
    stream.OnPeerAck(base + ack, sink, 0, stats);
    ASSERT_EQ(Raw(false), expected.substr(0, ack - acked)) << "segment " << i;
    ASSERT_EQ(Raw(true), expected);
    stream.ConsumeRaw(ack - acked);
    expected.erase(0, ack - acked);
    acked = ack;
  }
  EXPECT_EQ(Raw(true), expected);
}

}  // namespace
}  // namespace otasuke::network
