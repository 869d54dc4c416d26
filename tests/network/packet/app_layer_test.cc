// Application-layer parsers fed in every split: HTTP (pipelining, chunked, content-length,
// close-delimited, 100-continue, limits), DNS over UDP and TCP, TLS ClientHello (SNI, JA3)
// and protocol detection by content; and the flow memory the tracker accounts for them.

#include <string>
#include <vector>

#include "agent/network/packet/app_detect.h"
#include "agent/network/packet/decoder.h"
#include "agent/network/packet/dns.h"
#include "agent/network/packet/flow_tracker.h"
#include "agent/network/packet/http.h"
#include "agent/network/packet/tls.h"
#include "gtest/gtest.h"
#include "tests/network/packet/packet_builder.h"

namespace otasuke::network {
namespace {

void Feed(HttpParser& parser, int direction, std::string_view data, size_t piece) {
  for (size_t i = 0; i < data.size(); i += piece) {
    const std::string_view part = data.substr(i, piece);
    parser.Feed(direction, reinterpret_cast<const uint8_t*>(part.data()),
                static_cast<uint32_t>(part.size()));
  }
}

TEST(HttpParserTest, RequestAndResponseInEverySplit) {
  const std::string request =
      "POST /a/./b/../c%41?q=%42 HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: curl/8\r\n"
      "Cookie: id=1\r\nContent-Length: 5\r\n\r\nhello";
  const std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: s=2\r\n\r\n"
      "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n";
  for (size_t piece : {1, 2, 7, 1000}) {
    HttpParser parser;
    Feed(parser, 0, request, piece);
    Feed(parser, 1, response, piece);
    ASSERT_EQ(parser.transactions().size(), 1u) << piece;
    const HttpTransaction& tx = parser.transactions().front();
    EXPECT_EQ(tx.method, "POST");
    EXPECT_EQ(tx.uri_raw, "/a/./b/../c%41?q=%42");
    EXPECT_EQ(tx.uri, "/a/cA?q=B");
    EXPECT_EQ(tx.NormalizedHost(), "example.com");
    EXPECT_EQ(tx.request_body, "hello");
    EXPECT_TRUE(tx.request_complete);
    EXPECT_EQ(tx.status, 200u);
    EXPECT_EQ(tx.response_body, "abcde");
    EXPECT_TRUE(tx.response_complete);
    EXPECT_EQ(HttpTransaction::JoinHeaders(tx.request_headers),
              "Host: Example.COM:8080\r\nUser-Agent: curl/8\r\nCookie: id=1\r\n"
              "Content-Length: 5\r\n");
  }
}

TEST(HttpParserTest, FieldsLocatedOnceHeadersComplete) {
  HttpParser parser;
  Feed(parser, 0,
       "GET / HTTP/1.1\r\nuser-AGENT: a\r\nHOST: h\r\nUser-Agent: second\r\n"
       "Referer: r\r\n  folded\r\nCookie:\r\n\r\n",
       3);
  Feed(parser, 1,
       "HTTP/1.1 100 Continue\r\nContent-Type: interim\r\n\r\nHTTP/1.1 200 OK\r\n"
       "Cookie: not-a-response-cookie\r\nSet-Cookie: s=1\r\nContent-Type: text/x\r\n"
       "Content-Length: 0\r\n\r\n",
       5);
  ASSERT_EQ(parser.transactions().size(), 1u);
  const HttpTransaction& tx = parser.transactions().front();
  std::string_view value;
  // The first header of a name wins, names match in any case, folded lines are joined.
  ASSERT_TRUE(tx.RequestField(HttpField::kUserAgent, &value));
  EXPECT_EQ(value, "a");
  ASSERT_TRUE(tx.RequestField(HttpField::kHost, &value));
  EXPECT_EQ(value, "h");
  ASSERT_TRUE(tx.RequestField(HttpField::kReferer, &value));
  EXPECT_EQ(value, "r folded");
  ASSERT_TRUE(tx.RequestField(HttpField::kCookie, &value));  // present, empty
  EXPECT_EQ(value, "");
  EXPECT_FALSE(tx.RequestField(HttpField::kContentType, &value));
  // Responses: Set-Cookie is the cookie; the interim response's headers are gone.
  ASSERT_TRUE(tx.ResponseField(HttpField::kCookie, &value));
  EXPECT_EQ(value, "s=1");
  ASSERT_TRUE(tx.ResponseField(HttpField::kContentType, &value));
  EXPECT_EQ(value, "text/x");
  EXPECT_FALSE(tx.ResponseField(HttpField::kHost, &value));
}

TEST(HttpParserTest, PipeliningPairsInOrder) {
  HttpParser parser;
  Feed(parser, 0, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n", 1000);
  Feed(parser, 1,
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 No\r\nContent-Length: 0\r\n\r\n"
       "HTTP/1.1 204 None\r\n\r\n",
       1000);
  ASSERT_EQ(parser.transactions().size(), 2u);
  EXPECT_EQ(parser.transactions()[0].status, 404u);
  EXPECT_EQ(parser.transactions()[1].status, 204u);
  parser.ReleaseCompleted();
  EXPECT_TRUE(parser.transactions().empty());
}

TEST(HttpParserTest, CloseDelimitedBodyAndTruncatedHeaders) {
  HttpParser parser;
  Feed(parser, 0, "GET / HTTP/1.0\r\n\r\n", 1000);
  Feed(parser, 1, "HTTP/1.0 200 OK\r\n\r\nbody until close", 1000);
  EXPECT_FALSE(parser.transactions()[0].response_complete);
  parser.OnClose(1);
  EXPECT_TRUE(parser.transactions()[0].response_complete);
  EXPECT_EQ(parser.transactions()[0].response_body, "body until close");

  HttpParser cut;
  Feed(cut, 0, "GET / HTTP/1.1\r\n\r\n", 1000);
  Feed(cut, 1, "HTTP/1.0 200 OK\nServer:ng1nx\r\n", 1000);  // no empty line before FIN
  cut.OnClose(1);
  std::string_view server;
  ASSERT_TRUE(
      HttpTransaction::FindHeader(cut.transactions()[0].response_headers, "server", &server));
  EXPECT_EQ(server, "ng1nx");
}

TEST(HttpParserTest, LimitsAndGarbage) {
  HttpConfig config;
  config.max_line = 64;
  config.request_body_limit = 4;
  HttpParser parser(config);
  Feed(parser, 0, "PUT /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", 3);
  EXPECT_EQ(parser.transactions()[0].request_body, "0123");
  EXPECT_EQ(parser.transactions()[0].request_body_seen, 10u);
  Feed(parser, 0, "GET /" + std::string(100, 'a') + " HTTP/1.1\r\n", 1000);
  EXPECT_TRUE(parser.failed(0));
  HttpParser garbage;
  Feed(garbage, 1, "\x16\x03\x01 not http\r\n", 1000);
  EXPECT_TRUE(garbage.failed(1));
  HttpParser chunk;
  Feed(chunk, 0, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 1000);
  EXPECT_TRUE(chunk.failed(0));
}

TEST(HttpParserTest, NormalizeUri) {
  EXPECT_EQ(NormalizeUri("http://host:80/a/../b?x"), "/b?x");
  EXPECT_EQ(NormalizeUri("/%2e%2e/etc/passwd"), "/etc/passwd");
  EXPECT_EQ(NormalizeUri("/a/b/./"), "/a/b/");
  EXPECT_EQ(NormalizeUri("/bad%zz"), "/bad%zz");
}

std::string DnsQuery(uint16_t id, std::string_view name, uint16_t type) {
  std::string m = {static_cast<char>(id >> 8), static_cast<char>(id), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    const size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot - start);
    m.push_back(static_cast<char>(label.size()));
    m.append(label);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  m.push_back(0);
  m.push_back(static_cast<char>(type >> 8));
  m.push_back(static_cast<char>(type));
  m.append({0, 1});
  return m;
}

TEST(DnsParserTest, UdpQueryAndCompressedAnswer) {
  std::string query = DnsQuery(0x1234, "www.example.com", 1);
  DnsMessage message;
  ASSERT_TRUE(ParseDnsMessage(reinterpret_cast<const uint8_t*>(query.data()),
                              static_cast<uint32_t>(query.size()), &message));
  EXPECT_FALSE(message.response);
  ASSERT_EQ(message.questions.size(), 1u);
  EXPECT_EQ(message.questions[0].name, "www.example.com");
  EXPECT_EQ(DnsTypeName(message.questions[0].type), "A");

  std::string answer = query;
  answer[2] = static_cast<char>(0x81);
  answer[7] = 1;  // ancount
  answer.append({static_cast<char>(0xc0), 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 93,
                 static_cast<char>(184), static_cast<char>(216), 34});
  ASSERT_TRUE(ParseDnsMessage(reinterpret_cast<const uint8_t*>(answer.data()),
                              static_cast<uint32_t>(answer.size()), &message));
  EXPECT_TRUE(message.response);
  ASSERT_EQ(message.answers.size(), 1u);
  EXPECT_EQ(message.answers[0].name, "www.example.com");
  EXPECT_EQ(message.answers[0].data, "93.184.216.34");

  // A compression loop must not hang or crash.
  std::string loop = DnsQuery(1, "a", 1);
  loop.resize(12);
  loop.append({static_cast<char>(0xc0), 12, 0, 1, 0, 1});
  EXPECT_FALSE(ParseDnsMessage(reinterpret_cast<const uint8_t*>(loop.data()),
                               static_cast<uint32_t>(loop.size()), &message));
}

TEST(DnsParserTest, TcpFramingAcrossSegments) {
  const std::string q1 = DnsQuery(1, "one.test", 28);
  const std::string q2 = DnsQuery(2, "two.test", 16);
  std::string stream;
  for (const std::string* q : {&q1, &q2}) {
    stream.push_back(static_cast<char>(q->size() >> 8));
    stream.push_back(static_cast<char>(q->size()));
    stream += *q;
  }
  DnsParser parser;
  std::vector<std::string> names;
  for (char c : stream) {
    parser.FeedStream(0, reinterpret_cast<const uint8_t*>(&c), 1);
    for (const DnsMessage& m : parser.messages()) names.push_back(m.questions[0].name);
    parser.ClearMessages();
  }
  EXPECT_EQ(names, (std::vector<std::string>{"one.test", "two.test"}));
}

std::string ClientHello(std::string_view sni) {
  std::string body = {3, 3};
  body.append(32, 'r');
  body.push_back(0);                                        // session id
  body.append({0, 6, 0x0a, 0x0a, 0x13, 0x01, 0x13, 0x02});  // GREASE, 4865, 4866
  body.append({1, 0});                                      // compression: null
  std::string ext;
  // server_name
  const uint16_t name_len = static_cast<uint16_t>(sni.size());
  ext.append({0, 0, 0, static_cast<char>(name_len + 5), 0, static_cast<char>(name_len + 3), 0, 0,
              static_cast<char>(name_len)});
  ext.append(sni);
  ext.append({0, 10, 0, 4, 0, 2, 0, 29});  // supported_groups: x25519
  ext.append({0, 11, 0, 2, 1, 0});         // ec_point_formats: uncompressed
  body.push_back(static_cast<char>(ext.size() >> 8));
  body.push_back(static_cast<char>(ext.size()));
  body += ext;
  std::string hs = {1, 0, static_cast<char>(body.size() >> 8), static_cast<char>(body.size())};
  hs += body;
  std::string record = {0x16, 3, 1, static_cast<char>(hs.size() >> 8),
                        static_cast<char>(hs.size())};
  return record + hs;
}

TEST(TlsParserTest, ClientHelloSniAndJa3AcrossSegments) {
  const std::string hello = ClientHello("secure.example.org");
  TlsParser parser;
  bool done = false;
  for (size_t i = 0; i < hello.size(); i += 5) {
    const std::string part = hello.substr(i, 5);
    done |= parser.Feed(0, reinterpret_cast<const uint8_t*>(part.data()),
                        static_cast<uint32_t>(part.size()));
  }
  ASSERT_TRUE(done);
  EXPECT_EQ(parser.client_hello().sni, "secure.example.org");
  EXPECT_EQ(parser.client_hello().Ja3(), "771,4865-4866,0-10-11,29,0");
  // MD5("771,4865-4866,0-10-11,29,0"), as `printf %s ... | md5sum` gives it.
  EXPECT_EQ(parser.client_hello().Ja3Hash(), "25a116fec34559b24a512bcd37ea22e3");
  TlsParser junk;
  const std::string bad = "\x16\x03\x01\xff\xff";
  junk.Feed(0, reinterpret_cast<const uint8_t*>(bad.data()), 5);
  EXPECT_TRUE(junk.failed());
}

TEST(AppDetectTest, ByContentNotPort) {
  detect::AppProto proto = detect::AppProto::kUnknown;
  const std::string get = "GET / HTTP/1.1\r\n";
  EXPECT_EQ(
      DetectTcpProtocol(0, reinterpret_cast<const uint8_t*>(get.data()), 16, 5555, 4444, &proto),
      ProbeResult::kMatch);
  EXPECT_EQ(proto, detect::AppProto::kHttp);
  EXPECT_EQ(DetectTcpProtocol(0, reinterpret_cast<const uint8_t*>("GE"), 2, 1, 2, &proto),
            ProbeResult::kNeedMore);
  const std::string hello = ClientHello("x");
  EXPECT_EQ(DetectTcpProtocol(0, reinterpret_cast<const uint8_t*>(hello.data()),
                              static_cast<uint32_t>(hello.size()), 80, 80, &proto),
            ProbeResult::kMatch);
  EXPECT_EQ(proto, detect::AppProto::kTls);
  EXPECT_EQ(
      DetectTcpProtocol(0, reinterpret_cast<const uint8_t*>("SSH-2.0-x\r\n"), 11, 1, 22, &proto),
      ProbeResult::kNoMatch);
}

// FlowTable::Account re-sums a flow's memory only after something marked it changed
// (Flow::memory_dirty: a stream's buffers, a parser or probe buffer fed, transactions released).
// Over flows of every kind the memory accounted after each packet is the flow's memory: HTTP
// with a body growing the raw buffer past its capacity, TLS hellos, DNS over UDP and TCP, a
// protocol detection that fails, segments queued out of order, a hole skipped on the peer's ACK
// and acknowledged raw data consumed. Fails when a change is not marked (the DNS parser of a UDP
// flow, a raw buffer that grew).
TEST(FlowTrackerTest, AccountedMemoryFollowsEveryChange) {
  using testing::Bytes;
  using testing::Endpoints;
  using testing::TcpSession;
  std::vector<Bytes> frames;
  auto add = [&](std::vector<Bytes> more) {
    frames.insert(frames.end(), more.begin(), more.end());
  };
  TcpSession http(Endpoints{"10.0.0.1", "10.0.0.2", 40000, 80});
  add(http.Handshake());
  const std::string body(6000, 'b');
  frames.push_back(http.ClientData("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 6000\r\n\r\n"));
  for (size_t at = 0; at < body.size(); at += 1000) {
    frames.push_back(http.ClientData(std::string_view(body).substr(at, 1000)));
    frames.push_back(http.ServerAck());
  }
  frames.push_back(http.ServerData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  frames.push_back(http.ClientAck());
  TcpSession tls(Endpoints{"10.0.0.1", "10.0.0.3", 40001, 443});
  add(tls.Handshake());
  frames.push_back(tls.ClientData(testing::TlsClientHelloRecord("example.com")));
  frames.push_back(tls.ServerData(testing::TlsServerHelloRecord()));
  frames.push_back(testing::EthUdp(Endpoints{"10.0.0.1", "10.0.0.4", 5353, 53},
                                   DnsQuery(1, "www.example.com", 1)));
  TcpSession dns(Endpoints{"10.0.0.1", "10.0.0.4", 40002, 53});
  add(dns.Handshake());
  const std::string query = DnsQuery(2, "tcp.example.com", 1);
  frames.push_back(dns.ClientData(std::string{0, static_cast<char>(query.size())} + query));
  TcpSession other(Endpoints{"10.0.0.1", "10.0.0.5", 40003, 7000});
  add(other.Handshake());
  const std::string binary(1500, '\x01');
  for (int i = 0; i < 4; ++i) {
    frames.push_back(other.ClientData(binary));
    frames.push_back(other.ServerData(binary));
  }
  // The client has sent 6,000 bytes: two segments after a hole, then an ACK past the first.
  frames.push_back(other.ClientAt(6200, "queued behind a hole"));
  frames.push_back(other.ClientAt(6100, "queued too"));
  other.AdvanceClient(300);
  frames.push_back(other.ServerAck());  // acknowledges past the hole: skipped
  frames.push_back(other.ClientFin());

  Decoder decoder(DecoderConfig{});
  FlowTracker tracker(FlowTrackerConfig{}, nullptr);
  PacketFlowView view;
  Packet packet;
  int64_t now_usec = 1'700'000'000'000'000;
  for (size_t i = 0; i < frames.size(); ++i) {
    const Bytes& frame = frames[i];
    now_usec += 1000;
    const auto size = static_cast<uint32_t>(frame.size());
    ASSERT_EQ(decoder.Decode(1, frame.data(), size, size, now_usec, &packet),
              Decoder::Verdict::kReady)
        << i;
    tracker.Process(packet, &view);
    Flow& flow = *view.flow;
    // Every other packet, detection reads the acknowledged raw data, as the scanner does.
    if (i % 2 == 0) {
      const size_t pending = FlowTracker::RawPending(flow, view.direction, false).size();
      FlowTracker::ConsumeRaw(flow, view.direction, pending);
    }
    tracker.Done(&view);
    EXPECT_EQ(flow.memory_accounted, flow.memory()) << "packet " << i;
  }
  EXPECT_EQ(tracker.stats().app_http, 1u);
  EXPECT_EQ(tracker.stats().app_tls, 1u);
  EXPECT_EQ(tracker.stats().app_dns, 2u);
  EXPECT_EQ(tracker.stats().app_failed, 1u);
  EXPECT_GE(tracker.stats().stream.out_of_order, 2u);
  EXPECT_GE(tracker.stats().stream.gaps, 1u);
}

}  // namespace
}  // namespace otasuke::network
