// The stream limits' bookkeeping (collector/server/agent_limits.h): streams without Hello are
// counted per peer address, capped, released once, and counted when refused or timed out. The
// collector process test (misbehaving_agent_test.cc, SilentStreamTest) shows them at work.

#include "collector/server/agent_limits.h"

#include "gtest/gtest.h"

namespace otasuke::collector {
namespace {

TEST(PeerAddressTest, DropsThePortOnly) {
  EXPECT_EQ(PeerAddress("ipv4:192.0.2.7:51234"), "ipv4:192.0.2.7");
  EXPECT_EQ(PeerAddress("ipv6:[2001:db8::1]:443"), "ipv6:[2001:db8::1]");
  EXPECT_EQ(PeerAddress("ipv6:[::1]"), "ipv6:[::1]");
  EXPECT_EQ(PeerAddress("ipv4:192.0.2.7"), "ipv4:192.0.2.7");
  EXPECT_EQ(PeerAddress("unix:/run/otasuke.sock"), "unix:/run/otasuke.sock");
  EXPECT_EQ(PeerAddress(""), "");
}

// An IPv6 host picks its address from a whole /64: the cap counts the /64, not the address.
TEST(PeerAddressTest, IPv6PeersCountUnderTheirSlash64) {
  EXPECT_EQ(PeerLimitKey("ipv6:[2001:db8:0:1:aaaa:bbbb:cccc:dddd]:443"),
            "ipv6:[2001:db8:0:1::]/64");
  EXPECT_EQ(PeerLimitKey("ipv6:[2001:db8:0:1::7]:5000"), PeerLimitKey("ipv6:[2001:db8:0:1::8]:1"));
  EXPECT_NE(PeerLimitKey("ipv6:[2001:db8:0:1::7]:5000"), PeerLimitKey("ipv6:[2001:db8:0:2::7]:1"));
  EXPECT_EQ(PeerLimitKey("ipv6:[::1]:51234"), "ipv6:[::]/64");
  EXPECT_EQ(PeerLimitKey("ipv6:[::ffff:192.0.2.7]:443"), "ipv4:192.0.2.7");  // IPv4-mapped
  EXPECT_EQ(PeerLimitKey("ipv4:192.0.2.7:51234"), "ipv4:192.0.2.7");
  EXPECT_EQ(PeerLimitKey("ipv6:[not-an-address]:1"), "ipv6:[not-an-address]");  // as given
  EXPECT_EQ(PeerLimitKey("unix:/run/otasuke.sock"), "unix:/run/otasuke.sock");
  EXPECT_EQ(PeerLimitKey(""), "");
}

TEST(AgentLimiterTest, CapsStreamsWithoutHelloPerAddress) {
  ManualClock clock(absl::FromUnixSeconds(1));
  AgentLimiter limiter(RateLimits{.max_streams = 10, .max_unauthenticated_per_address = 2}, clock);
  EXPECT_TRUE(limiter.AdmitUnauthenticated("ipv4:192.0.2.7"));
  EXPECT_TRUE(limiter.AdmitUnauthenticated("ipv4:192.0.2.7"));
  EXPECT_FALSE(limiter.AdmitUnauthenticated("ipv4:192.0.2.7"));
  EXPECT_TRUE(limiter.AdmitUnauthenticated("ipv4:192.0.2.8"));  // another address
  StreamCounters counters = limiter.stream_counters();
  EXPECT_EQ(counters.unauthenticated, 3);
  EXPECT_EQ(counters.refused_per_address, 1u);

  limiter.ReleaseUnauthenticated("ipv4:192.0.2.7");  // one said Hello
  EXPECT_TRUE(limiter.AdmitUnauthenticated("ipv4:192.0.2.7"));
  limiter.ReleaseUnauthenticated("ipv4:192.0.2.9");  // never admitted: ignored
  limiter.ReleaseUnauthenticated("ipv4:192.0.2.7");
  limiter.ReleaseUnauthenticated("ipv4:192.0.2.7");
  limiter.ReleaseUnauthenticated("ipv4:192.0.2.8");
  limiter.CountHelloTimeout();
  counters = limiter.stream_counters();
  EXPECT_EQ(counters.unauthenticated, 0);
  EXPECT_EQ(counters.hello_timeouts, 1u);
  // All places given back: the address starts afresh.
  EXPECT_TRUE(limiter.AdmitUnauthenticated("ipv4:192.0.2.7"));
  EXPECT_TRUE(limiter.AdmitUnauthenticated("ipv4:192.0.2.7"));
}

TEST(AgentLimiterTest, CountsStreamsRefusedAtTheCollectorCap) {
  ManualClock clock(absl::FromUnixSeconds(1));
  AgentLimiter limiter(RateLimits{.max_streams = 1}, clock);
  EXPECT_TRUE(limiter.AdmitStream());
  EXPECT_FALSE(limiter.AdmitStream());
  EXPECT_EQ(limiter.stream_counters().open, 1);
  EXPECT_EQ(limiter.stream_counters().refused_max_streams, 1u);
  limiter.ReleaseStream();
  EXPECT_TRUE(limiter.AdmitStream());
}

}  // namespace
}  // namespace otasuke::collector
