// Decoders: every link type, VLAN stacks, IPv4/IPv6 (extension headers), tunnels,
// fragments (in order, reversed, overlapping, IPv6) and malformed frames counted by reason.

#include "agent/network/packet/decoder.h"

#include <random>
#include <string>
#include <thread>

#include "agent/network/packet/community_id.h"
#include "gtest/gtest.h"
#include "tests/network/packet/packet_builder.h"

namespace otasuke::network {
namespace {

using testing::Bytes;
using testing::Endpoints;

Decoder::Verdict DecodeFrame(Decoder& d, const Bytes& frame, Packet* p, int link = kLinkEthernet) {
  return d.Decode(link, frame.data(), static_cast<uint32_t>(frame.size()),
                  static_cast<uint32_t>(frame.size()), 1000, p);
}
// The packet's views point into the frame: a temporary frame would leave them dangling (ASan
// heap-use-after-free), so frames are named variables that outlive the checks.
Decoder::Verdict DecodeFrame(Decoder& d, Bytes&& frame, Packet* p,
                             int link = kLinkEthernet) = delete;

TEST(DecoderTest, EthernetIpv4Tcp) {
  Decoder d;
  Packet p;
  const Bytes frame = testing::EthTcp(Endpoints{}, 7, 9, kTcpSyn, "hello");
  ASSERT_EQ(DecodeFrame(d, frame, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.ip_version, 4);
  EXPECT_EQ(p.src.ToString(), "10.0.0.1");
  EXPECT_EQ(p.dst.ToString(), "10.0.0.2");
  EXPECT_TRUE(p.is_tcp());
  EXPECT_EQ(p.sport, 40000);
  EXPECT_EQ(p.dport, 80);
  EXPECT_EQ(p.tcp_seq, 7u);
  EXPECT_EQ(p.tcp_ack, 9u);
  EXPECT_EQ(p.tcp_flags, kTcpSyn);
  EXPECT_EQ(p.ttl, 64);
  EXPECT_EQ(p.payload_view(), "hello");
  EXPECT_EQ(d.stats().tcp, 1u);
  EXPECT_EQ(d.stats().errors, 0u);
}

// TCP Fast Open on a SYN with data: kind 34, or the experimental kinds 253 / 254 with magic
// 0xF989 (as Suricata). Other or malformed option lists are not Fast Open and still decode.
TEST(DecoderTest, TcpFastOpenOption) {
  auto fast_open = [](const Bytes& options, uint8_t flags = kTcpSyn) {
    Decoder d;
    Packet p;
    const Bytes frame = testing::EthTcp(Endpoints{}, 7, 0, flags, "data", options);
    EXPECT_EQ(DecodeFrame(d, frame, &p), Decoder::Verdict::kReady);
    EXPECT_EQ(p.payload_view(), "data");
    EXPECT_EQ(d.stats().errors, 0u);
    return p.tcp_fast_open;
  };
  EXPECT_TRUE(fast_open(testing::TcpFastOpenOption()));
  EXPECT_TRUE(fast_open({1, 1, 254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_TRUE(fast_open({253, 4, 0xf9, 0x89}));
  EXPECT_FALSE(fast_open({254, 4, 0x12, 0x34}));                   // another experiment
  EXPECT_FALSE(fast_open({2, 4, 0x05, 0xb4}));                     // MSS only
  EXPECT_FALSE(fast_open({0, 34, 2}));                             // after end of list
  EXPECT_FALSE(fast_open({2, 0, 34, 2}));                          // zero length: walk ends
  EXPECT_FALSE(fast_open({2, 40, 34, 2}));                         // overruns the header
  EXPECT_FALSE(fast_open({1, 1, 1, 34}));                          // kind without length
  EXPECT_FALSE(fast_open(testing::TcpFastOpenOption(), kTcpAck));  // not a SYN
}

TEST(DecoderTest, VlanAndQinQ) {
  Decoder d;
  Packet p;
  const Bytes l3 = testing::Ipv4(Endpoints{}, kProtoUdp, testing::Udp(Endpoints{}, "x"));
  const Bytes vlan = testing::Ethernet(l3, 0x0800, {42});
  ASSERT_EQ(DecodeFrame(d, vlan, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.vlan_count, 1);
  EXPECT_EQ(p.vlan_ids[0], 42);
  const Bytes qinq = testing::Ethernet(l3, 0x0800, {100, 200});
  ASSERT_EQ(DecodeFrame(d, qinq, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.vlan_count, 2);
  EXPECT_EQ(p.vlan_ids[1], 200);
  EXPECT_TRUE(p.is_udp());
  const Bytes three_tags = testing::Ethernet(l3, 0x0800, {1, 2, 3});
  EXPECT_EQ(DecodeFrame(d, three_tags, &p), Decoder::Verdict::kError);
  EXPECT_EQ(p.error, DecodeError::kTooManyVlans);
}

TEST(DecoderTest, LinuxCookedAndRaw) {
  Decoder d;
  Packet p;
  const Bytes l3 = testing::Ipv4(Endpoints{}, kProtoUdp, testing::Udp(Endpoints{}, "sll"));
  Bytes sll(16, 0);
  sll[14] = 0x08;
  sll.insert(sll.end(), l3.begin(), l3.end());
  ASSERT_EQ(DecodeFrame(d, sll, &p, kLinkLinuxSll), Decoder::Verdict::kReady);
  EXPECT_EQ(p.payload_view(), "sll");
  Bytes sll2(20, 0);
  sll2[0] = 0x08;
  sll2.insert(sll2.end(), l3.begin(), l3.end());
  ASSERT_EQ(DecodeFrame(d, sll2, &p, kLinkLinuxSll2), Decoder::Verdict::kReady);
  EXPECT_EQ(p.payload_view(), "sll");
  ASSERT_EQ(DecodeFrame(d, l3, &p, kLinkRaw), Decoder::Verdict::kReady);
  EXPECT_EQ(p.payload_view(), "sll");
  Bytes ppp = {0xff, 0x03, 0x00, 0x21};
  ppp.insert(ppp.end(), l3.begin(), l3.end());
  ASSERT_EQ(DecodeFrame(d, ppp, &p, kLinkPpp), Decoder::Verdict::kReady);
  EXPECT_EQ(DecodeFrame(d, l3, &p, 147), Decoder::Verdict::kError);
  EXPECT_EQ(p.error, DecodeError::kUnsupportedLinkType);
}

TEST(DecoderTest, Ipv6WithExtensionHeaders) {
  Decoder d;
  Packet p;
  Endpoints e{"2001:db8::1", "2001:db8::2", 5353, 53};
  const Bytes udp = testing::Udp(e, "v6");
  // Hop-by-hop (8 bytes) then destination options (8 bytes) then UDP.
  Bytes ext = {kProtoDstOpts, 0, 1, 4, 0, 0, 0, 0, kProtoUdp, 0, 1, 4, 0, 0, 0, 0};
  ext.insert(ext.end(), udp.begin(), udp.end());
  const Bytes frame = testing::Ethernet(testing::Ipv6(e, kProtoHopOpts, ext), 0x86dd);
  ASSERT_EQ(DecodeFrame(d, frame, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.ip_version, 6);
  EXPECT_EQ(p.proto, kProtoUdp);
  EXPECT_EQ(p.src.ToString(), "2001:db8::1");
  EXPECT_EQ(p.payload_view(), "v6");
  // An extension header claiming more bytes than there are.
  Bytes bad = {kProtoUdp, 9, 0, 0, 0, 0, 0, 0};
  const Bytes bad_frame = testing::Ethernet(testing::Ipv6(e, kProtoHopOpts, bad), 0x86dd);
  EXPECT_EQ(DecodeFrame(d, bad_frame, &p), Decoder::Verdict::kError);
  EXPECT_EQ(p.error, DecodeError::kBadIpv6ExtensionHeader);
}

TEST(DecoderTest, IpInIpAndGreTunnels) {
  Decoder d;
  Packet p;
  Endpoints outer{"192.0.2.1", "192.0.2.2"};
  Endpoints inner{"10.1.1.1", "10.1.1.2", 1234, 80};
  const Bytes inner_ip = testing::Ipv4(inner, kProtoTcp, testing::Tcp(inner, 1, 0, 2, "in"));
  const Bytes ipip = testing::Ethernet(testing::Ipv4(outer, kProtoIpip, inner_ip), 0x0800);
  ASSERT_EQ(DecodeFrame(d, ipip, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.src.ToString(), "10.1.1.1");
  EXPECT_EQ(p.tunnel_depth, 1);
  EXPECT_EQ(p.tunnel_src.ToString(), "192.0.2.1");
  EXPECT_EQ(p.payload_view(), "in");
  Bytes gre = {0, 0, 0x08, 0x00};
  gre.insert(gre.end(), inner_ip.begin(), inner_ip.end());
  const Bytes gre_frame = testing::Ethernet(testing::Ipv4(outer, kProtoGre, gre), 0x0800);
  ASSERT_EQ(DecodeFrame(d, gre_frame, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.dst.ToString(), "10.1.1.2");
  EXPECT_EQ(p.tunnel_proto, kProtoGre);
  // 6in4.
  Endpoints v6{"2001:db8::a", "2001:db8::b", 1, 2};
  const Bytes inner6 = testing::Ipv6(v6, kProtoUdp, testing::Udp(v6, "six"));
  const Bytes six_in_four = testing::Ethernet(testing::Ipv4(outer, kProtoIpv6, inner6), 0x0800);
  ASSERT_EQ(DecodeFrame(d, six_in_four, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.ip_version, 6);
  EXPECT_EQ(p.payload_view(), "six");
}

TEST(DecoderTest, NshAndVxlan) {
  const Endpoints inner{"10.9.9.1", "10.9.9.2", 1000, 2000};
  const Bytes inner_ip = testing::Ipv4(inner, kProtoUdp, testing::Udp(inner, "deep"));
  // NSH: 6 words of header (base + service path + 16 bytes of MD type 1), next protocol IPv4.
  Bytes nsh = {0x00, 0x06, 0x01, 0x01, 0, 0, 1, 2};
  nsh.resize(24, 0);
  nsh.insert(nsh.end(), inner_ip.begin(), inner_ip.end());
  Decoder d;
  Packet p;
  const Bytes nsh_frame = testing::Ethernet(nsh, 0x894f);
  ASSERT_EQ(DecodeFrame(d, nsh_frame, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.payload_view(), "deep");
  // VXLAN only when enabled.
  const Endpoints outer{"192.0.2.1", "192.0.2.2", 5555, 4789};
  std::string vxlan = {0x08, 0, 0, 0, 0, 0, 1, 0};
  const Bytes tenant = testing::Ethernet(inner_ip, 0x0800);
  vxlan.append(tenant.begin(), tenant.end());
  const Bytes frame = testing::EthUdp(outer, vxlan);
  ASSERT_EQ(DecodeFrame(d, frame, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.dport, 4789);
  DecoderConfig config;
  config.vxlan_port = 4789;
  Decoder vx(config);
  ASSERT_EQ(DecodeFrame(vx, frame, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.src.ToString(), "10.9.9.1");
  EXPECT_EQ(p.tunnel_dport, 4789);
  EXPECT_EQ(p.payload_view(), "deep");
}

TEST(DecoderTest, Ipv4FragmentsInAnyOrder) {
  Endpoints e{"10.0.0.1", "10.0.0.2", 1111, 53};
  const std::string payload(100, 'A');
  const Bytes udp = testing::Udp(e, payload + "TAIL");
  auto frags = testing::Ipv4Fragments(e, kProtoUdp, udp, 32, 77);
  ASSERT_EQ(frags.size(), 4u);
  for (bool reverse : {false, true}) {
    Decoder d;
    Packet p;
    if (reverse) std::reverse(frags.begin(), frags.end());
    for (size_t i = 0; i + 1 < frags.size(); ++i) {
      EXPECT_EQ(DecodeFrame(d, frags[i], &p), Decoder::Verdict::kHeld);
    }
    ASSERT_EQ(DecodeFrame(d, frags.back(), &p), Decoder::Verdict::kReady);
    EXPECT_TRUE(p.defragmented);
    EXPECT_TRUE(p.is_udp());
    EXPECT_EQ(p.payload_view(), payload + "TAIL");
    EXPECT_EQ(d.defrag_stats().reassembled, 1u);
  }
}

TEST(DecoderTest, OverlappingFragmentsKeepFirstCopy) {
  Endpoints e{"10.0.0.1", "10.0.0.2", 1111, 53};
  const Bytes udp = testing::Udp(e, std::string(16, 'a'));  // 24 bytes
  Decoder d;
  Packet p;
  // [0,16) then an overlapping [8,24) whose first half disagrees.
  Bytes first(udp.begin(), udp.begin() + 16);
  Bytes second(udp.begin() + 8, udp.end());
  for (size_t i = 0; i < 8; ++i) second[i] = 'X';
  const Bytes first_frame =
      testing::Ethernet(testing::Ipv4(e, kProtoUdp, first, 64, 9, 0x2000), 0x0800);
  const Bytes second_frame =
      testing::Ethernet(testing::Ipv4(e, kProtoUdp, second, 64, 9, 1), 0x0800);
  EXPECT_EQ(DecodeFrame(d, first_frame, &p), Decoder::Verdict::kHeld);
  ASSERT_EQ(DecodeFrame(d, second_frame, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.payload_view(), std::string(16, 'a'));
  EXPECT_EQ(d.defrag_stats().overlaps, 1u);
}

TEST(DecoderTest, Ipv6Fragments) {
  Endpoints e{"2001:db8::1", "2001:db8::2", 40000, 80};
  const Bytes tcp = testing::Tcp(e, 1, 0, kTcpAck, std::string(60, 'z') + "END");
  auto frags = testing::Ipv6Fragments(e, kProtoTcp, tcp, 24, 0x1234);
  Decoder d;
  Packet p;
  for (size_t i = frags.size(); i-- > 1;) {
    EXPECT_EQ(DecodeFrame(d, frags[i], &p), Decoder::Verdict::kHeld);
  }
  ASSERT_EQ(DecodeFrame(d, frags[0], &p), Decoder::Verdict::kReady);
  EXPECT_TRUE(p.is_tcp());
  EXPECT_EQ(p.payload_view(), std::string(60, 'z') + "END");
}

TEST(DecoderTest, BadFragmentsAreCountedAndExpire) {
  Endpoints e;
  Decoder d;
  Packet p;
  // More-fragments with a length that is not a multiple of 8.
  Bytes odd(13, 1);
  const Bytes odd_frame =
      testing::Ethernet(testing::Ipv4(e, kProtoUdp, odd, 64, 3, 0x2000), 0x0800);
  EXPECT_EQ(DecodeFrame(d, odd_frame, &p), Decoder::Verdict::kError);
  EXPECT_EQ(p.error, DecodeError::kBadFragment);
  // Beyond 65535 bytes.
  const Bytes too_far =
      testing::Ethernet(testing::Ipv4(e, kProtoUdp, Bytes(16, 0), 64, 4, 0x2000 | 8190), 0x0800);
  EXPECT_EQ(DecodeFrame(d, too_far, &p), Decoder::Verdict::kError);
  EXPECT_EQ(p.error, DecodeError::kFragmentTooLarge);
  const Bytes held =
      testing::Ethernet(testing::Ipv4(e, kProtoUdp, Bytes(16, 0), 64, 5, 0x2000), 0x0800);
  EXPECT_EQ(DecodeFrame(d, held, &p), Decoder::Verdict::kHeld);
  d.ExpireFragments(1000 + 120'000'000);
  EXPECT_EQ(d.defrag_stats().timeouts, 1u);
}

TEST(DecoderTest, MalformedFramesCountedByReason) {
  Decoder d;
  Packet p;
  const Bytes runt(10, 0);
  EXPECT_EQ(DecodeFrame(d, runt, &p), Decoder::Verdict::kError);
  EXPECT_EQ(p.error, DecodeError::kTruncatedLink);
  Bytes ip = testing::Ipv4(Endpoints{}, kProtoTcp, testing::Tcp(Endpoints{}, 1, 1, 2, ""));
  Bytes short_ip(ip.begin(), ip.begin() + 12);
  const Bytes short_ip_frame = testing::Ethernet(short_ip, 0x0800);
  EXPECT_EQ(DecodeFrame(d, short_ip_frame, &p), Decoder::Verdict::kError);
  EXPECT_EQ(p.error, DecodeError::kTruncatedIpv4);
  Bytes bad_hlen = ip;
  bad_hlen[0] = 0x43;
  const Bytes bad_hlen_frame = testing::Ethernet(bad_hlen, 0x0800);
  EXPECT_EQ(DecodeFrame(d, bad_hlen_frame, &p), Decoder::Verdict::kError);
  EXPECT_EQ(p.error, DecodeError::kBadIpv4HeaderLength);
  Bytes bad_total = ip;
  bad_total[2] = 0x10;  // 4096 bytes claimed
  const Bytes bad_total_frame = testing::Ethernet(bad_total, 0x0800);
  EXPECT_EQ(DecodeFrame(d, bad_total_frame, &p), Decoder::Verdict::kError);
  EXPECT_EQ(p.error, DecodeError::kBadIpv4TotalLength);
  // A TCP header length larger than the segment: IP stays usable, transport does not.
  Bytes bad_tcp = ip;
  bad_tcp[20 + 12] = 0xf0;
  const Bytes bad_tcp_frame = testing::Ethernet(bad_tcp, 0x0800);
  EXPECT_EQ(DecodeFrame(d, bad_tcp_frame, &p), Decoder::Verdict::kReady);
  EXPECT_EQ(p.error, DecodeError::kBadTcpHeaderLength);
  EXPECT_FALSE(p.l4_decoded);
  EXPECT_EQ(d.stats().by_reason[static_cast<size_t>(DecodeError::kBadTcpHeaderLength)], 1u);
  EXPECT_EQ(d.stats().errors, 5u);
  // ARP is not an error.
  const Bytes arp = testing::Ethernet(Bytes(28, 0), 0x0806);
  EXPECT_EQ(DecodeFrame(d, arp, &p), Decoder::Verdict::kNotIp);
  EXPECT_EQ(d.stats().not_ip, 1u);
}

TEST(DecoderTest, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  Decoder d;
  Packet p;
  for (int i = 0; i < 20000; ++i) {
    Bytes frame(rng() % 200);
    for (auto& b : frame) b = static_cast<uint8_t>(rng());
    if (frame.size() > 14 && i % 2 == 0) {  // make half of them IPv4-ish
      frame[12] = 0x08;
      frame[13] = 0x00;
      frame[14] = 0x45;
    }
    const int links[] = {kLinkEthernet, kLinkRaw, kLinkLinuxSll, kLinkLinuxSll2, kLinkPpp};
    d.Decode(links[i % 5], frame.data(), static_cast<uint32_t>(frame.size()),
             static_cast<uint32_t>(frame.size()), i, &p);
  }
  EXPECT_EQ(d.stats().packets, 20000u);
}

TEST(CommunityIdTest, SpecExamples) {
  // Test vectors of the Community ID specification (baseline, seed 0).
  const uint8_t a[] = {128, 232, 110, 120};
  const uint8_t b[] = {66, 35, 250, 204};
  EXPECT_EQ(CommunityId(IpAddress::V4(a), IpAddress::V4(b), 34855, 80, kProtoTcp),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  // Direction does not matter.
  EXPECT_EQ(CommunityId(IpAddress::V4(b), IpAddress::V4(a), 80, 34855, kProtoTcp),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  // ICMP echo request and reply hash alike.
  EXPECT_EQ(CommunityIdIcmp(IpAddress::V4(a), IpAddress::V4(b), 8, 0, kProtoIcmp),
            CommunityIdIcmp(IpAddress::V4(b), IpAddress::V4(a), 0, 0, kProtoIcmp));
}

// The SHA-1 context is kept per thread and reused: repeated and interleaved calls, and calls
// on another thread (its own context), give the specification's value every time.
TEST(CommunityIdTest, ReusedDigestContextGivesTheSameIdOnEveryCallAndThread) {
  const uint8_t a[] = {128, 232, 110, 120};
  const uint8_t b[] = {66, 35, 250, 204};
  auto spec_id = [&] {
    return CommunityId(IpAddress::V4(a), IpAddress::V4(b), 34855, 80, kProtoTcp);
  };
  const std::string other = CommunityId(IpAddress::V4(b), IpAddress::V4(a), 53, 53, kProtoUdp);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(spec_id(), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    EXPECT_EQ(CommunityId(IpAddress::V4(b), IpAddress::V4(a), 53, 53, kProtoUdp), other);
  }
  EXPECT_NE(other, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  std::string on_thread;
  std::thread([&] { on_thread = spec_id(); }).join();
  EXPECT_EQ(on_thread, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

}  // namespace
}  // namespace otasuke::network
