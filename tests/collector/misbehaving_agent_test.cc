// A misbehaving (or compromised) agent against the real otasuke-collector process: raw gRPC
// clients written here flood alert batches, send oversized fields and garbage sequences, and
// open many parallel streams, some never saying Hello. The collector must stay up with bounded
// memory, throttle and count the flooder, refuse streams over its caps, close silent streams at
// the Hello deadline, and keep storing a well-behaved agent's alerts meanwhile.

#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "otasuke/v1/console_service.grpc.pb.h"
#include "tests/collector/test_agent.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector {
namespace {

using ::otasuke::collector::testing::AlertsMessage;
using ::otasuke::collector::testing::MakeAlert;
using ::otasuke::collector::testing::MakeHello;
using ::otasuke::collector::testing::TestAgent;
using ::otasuke::collector::testing::TestChannel;
using ::otasuke::testing::BinaryPath;
using ::otasuke::testing::ReadFileOrEmpty;
using ::otasuke::testing::Subprocess;
using ::otasuke::testing::TempDir;
using ::otasuke::testing::WaitUntil;
using ::testing::HasSubstr;

constexpr int kAlertsPerSecond = 100;
constexpr int kMaxStreams = 24;

// Resident memory of a process, from /proc/<pid>/status (VmRSS, in kB).
int64_t ResidentKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kib = 0;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(
                                absl::StripSuffix(absl::string_view(line).substr(6), "kB")),
                            &kib)) {
        return -1;
      }
      return kib;
    }
  }
  return -1;
}

// A raw agent stream: whatever the test writes, no client-side checks.
class RawStream {
 public:
  explicit RawStream(const std::shared_ptr<grpc::Channel>& channel,
                     absl::Duration deadline = absl::Seconds(60))
      : stub_(v1::AgentService::NewStub(channel)) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    stream_ = stub_->Connect(&context_);
  }
  ~RawStream() {
    context_.TryCancel();
    if (!finished_) stream_->Finish();
  }
  bool Write(const v1::AgentMessage& m) { return stream_->Write(m); }
  // Reads until the collector ends the stream; returns its status.
  grpc::Status Drain() {
    v1::CollectorMessage in;
    while (stream_->Read(&in)) {
    }
    finished_ = true;
    return stream_->Finish();
  }
  void Cancel() { context_.TryCancel(); }  // thread-safe

 private:
  grpc::ClientContext context_;
  std::unique_ptr<v1::AgentService::Stub> stub_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>> stream_;
  bool finished_ = false;
};

v1::AgentMessage HelloMessage(const std::string& agent_id) {
  v1::AgentMessage m;
  *m.mutable_hello() = MakeHello(agent_id);
  return m;
}

class MisbehavingAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string port_file = dir_.file("collector.port");
    std::vector<std::string> argv{BinaryPath("otasuke-collector"),
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--data-dir",
                                  dir_.file("data"),
                                  "--port-file",
                                  port_file,
                                  "--transport-security",
                                  "insecure",
                                  "--run-as-user",
                                  "root",  // root's temp directory
                                  "--max-message-bytes",
                                  std::to_string(1 << 20),
                                  "--limits-alerts-per-second",
                                  std::to_string(kAlertsPerSecond),
                                  "--limits-bytes-per-second",
                                  std::to_string(4 << 20),
                                  "--limits-burst",
                                  "1s",
                                  "--limits-max-streams",
                                  std::to_string(kMaxStreams)};
    argv.insert(argv.end(), extra_flags_.begin(), extra_flags_.end());
    collector_ = std::make_unique<Subprocess>(argv, dir_.file("collector.log"));
    ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] {
      return absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFileOrEmpty(port_file)), &port_) &&
             port_ > 0;
    })) << log();
  }

  std::string log() const { return ReadFileOrEmpty(dir_.file("collector.log")); }

  int64_t Count(const std::string& sql) const {
    sqlite3* db = nullptr;
    int64_t n = -1;
    if (sqlite3_open_v2(dir_.file("data/collector.db").c_str(), &db, SQLITE_OPEN_READONLY,
                        nullptr) == SQLITE_OK) {
      sqlite3_busy_timeout(db, 5000);
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
          sqlite3_step(stmt) == SQLITE_ROW) {
        n = sqlite3_column_int64(stmt, 0);
      }
      sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return n;
  }

  v1::ListAgentsResponse ListAgents() const {
    auto console = v1::ConsoleService::NewStub(TestChannel(port_));
    grpc::ClientContext context;
    context.AddMetadata("authorization",
                        "Bearer " + std::string(absl::StripAsciiWhitespace(
                                        ReadFileOrEmpty(dir_.file("data/admin.token")))));
    v1::ListAgentsResponse response;
    grpc::Status status = console->ListAgents(&context, v1::ListAgentsRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Set by a derived fixture's constructor. Here the Hello deadline is out of the way: the
  // stream-cap test holds silent streams open as long as it needs on a loaded machine.
  std::vector<std::string> extra_flags_ = {"--limits-hello-timeout", "10m"};
  TempDir dir_;
  std::unique_ptr<Subprocess> collector_;
  int port_ = 0;
};

TEST_F(MisbehavingAgentTest, FloodIsThrottledWhileAWellBehavedAgentIsStillServed) {
  TestAgent good(TestChannel(port_));
  ASSERT_TRUE(good.SendHello(MakeHello("good-agent")));
  ASSERT_TRUE(good.WaitForAck(0));

  // The flooder writes batches of 100 alerts as fast as gRPC lets it.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  const absl::Time flood_start = absl::Now();
  RawStream flood(TestChannel(port_));
  std::thread flooder([&] {
    if (!flood.Write(HelloMessage("flood-agent"))) return;
    uint64_t sequence = 0;
    while (!stop.load()) {
      std::vector<v1::Alert> batch;
      for (int i = 0; i < 100; ++i) batch.push_back(MakeAlert(++sequence));
      if (!flood.Write(AlertsMessage(batch))) break;  // blocks while the collector pauses
      sent = sequence;
    }
  });

  // Meanwhile the good agent's alerts are stored and acknowledged promptly.
  absl::SleepFor(absl::Milliseconds(500));
  for (uint64_t s = 1; s <= 5; ++s) {
    ASSERT_TRUE(good.SendAlerts({MakeAlert(s)}));
    EXPECT_TRUE(good.WaitForAck(s, absl::Seconds(5))) << "alert " << s << "\n" << log();
  }
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  flood.Cancel();  // a Write held back by the pause returns now
  flooder.join();
  const double flood_seconds = absl::ToDoubleSeconds(absl::Now() - flood_start);

  EXPECT_EQ(Count("SELECT count(*) FROM alerts WHERE agent_id = 'good-agent'"), 5);
  // The flooder got no more than its rate, its burst and the batch read before each pause.
  const int64_t flood_stored = Count("SELECT count(*) FROM alerts WHERE agent_id = 'flood-agent'");
  std::printf("flood: sent %llu alerts, stored %lld in %.1f s (limit %d/s)\n",
              static_cast<unsigned long long>(sent.load()), static_cast<long long>(flood_stored),
              flood_seconds, kAlertsPerSecond);
  EXPECT_GT(flood_stored, 0);
  EXPECT_LE(flood_stored, static_cast<int64_t>(kAlertsPerSecond * (flood_seconds + 1) + 200))
      << "sent " << sent.load() << " in " << flood_seconds << "s";
  EXPECT_GE(Count("SELECT count(*) FROM audit_log WHERE action = 'limits.rate_exceeded' AND "
                  "target = 'agent:flood-agent'"),
            1);

  // Responders see it in ListAgents.
  const v1::ListAgentsResponse response = ListAgents();
  bool seen = false;
  for (const v1::AgentInfo& agent : response.agents()) {
    if (agent.agent_id() == "flood-agent") {
      seen = true;
      EXPECT_GT(agent.limits().throttled(), 0u);
      EXPECT_GT(agent.limits().throttled_seconds(), 0.0);
    } else if (agent.agent_id() == "good-agent") {
      EXPECT_EQ(agent.limits().throttled(), 0u);
    }
  }
  EXPECT_TRUE(seen);
  good.Close();
}

TEST_F(MisbehavingAgentTest, OversizedFieldsAndGarbageSequencesCloseOnlyThatStream) {
  TestAgent good(TestChannel(port_));
  ASSERT_TRUE(good.SendHello(MakeHello("good-agent")));

  {
    RawStream stream(TestChannel(port_));
    ASSERT_TRUE(stream.Write(HelloMessage("bad-agent")));
    v1::Alert alert = MakeAlert(1);
    alert.mutable_network()->mutable_tls()->set_sni(std::string(100 * 1024, 'x'));
    stream.Write(AlertsMessage({alert}));
    grpc::Status status = stream.Drain();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("network.tls.sni is 102400 bytes"));
  }
  {
    RawStream stream(TestChannel(port_));
    ASSERT_TRUE(stream.Write(HelloMessage("bad-agent-2")));
    stream.Write(AlertsMessage({MakeAlert(7), MakeAlert(3)}));
    grpc::Status status = stream.Drain();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("sequences must strictly increase"));
  }
  {
    // Larger than max_message_bytes: gRPC itself refuses it before any parsing.
    RawStream stream(TestChannel(port_));
    ASSERT_TRUE(stream.Write(HelloMessage("bad-agent-3")));
    v1::Alert alert = MakeAlert(1);
    alert.set_raw_evidence(std::string(2 << 20, 'y'));
    stream.Write(AlertsMessage({alert}));
    EXPECT_EQ(stream.Drain().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  EXPECT_TRUE(WaitUntil(absl::Seconds(10), [&] {
    return Count("SELECT count(*) FROM audit_log WHERE action = 'agent.protocol_violation'") >= 2;
  })) << log();
  EXPECT_EQ(Count("SELECT count(*) FROM alerts WHERE agent_id LIKE 'bad-agent%'"), 0);

  ASSERT_TRUE(good.SendAlerts({MakeAlert(1)}));
  EXPECT_TRUE(good.WaitForAck(1)) << log();
  EXPECT_TRUE(collector_->running());
  good.Close();
}

TEST_F(MisbehavingAgentTest, StreamsBeyondTheCapAreRefusedAndMemoryStaysBounded) {
  TestAgent good(TestChannel(port_));
  ASSERT_TRUE(good.SendHello(MakeHello("good-agent")));
  ASSERT_TRUE(good.WaitForAck(0));
  const int64_t rss_before = ResidentKiB(collector_->pid());

  // Each stream on its own channel (its own connection), none saying Hello. An admitted one
  // holds its slot until the test cancels it: with a deadline, opening the streams on a loaded
  // machine could outlast the first ones, whose slots then went to later streams. The refused
  // ones end at once; each stream is drained on a thread of its own.
  constexpr int kStreams = kMaxStreams * 2;
  constexpr int kRefused = kStreams - (kMaxStreams - 1);  // `good` holds one slot
  std::vector<std::unique_ptr<RawStream>> streams;
  const absl::Time opening = absl::Now();
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(std::make_unique<RawStream>(TestChannel(port_), absl::Seconds(120)));
  }
  std::printf("opened %d streams in %s\n", kStreams,
              absl::FormatDuration(absl::Now() - opening).c_str());
  std::atomic<int> refused{0};
  std::vector<grpc::StatusCode> codes(kStreams, grpc::StatusCode::OK);
  std::vector<std::thread> drains;
  for (int i = 0; i < kStreams; ++i) {
    drains.emplace_back([&, i] {
      codes[i] = streams[i]->Drain().error_code();
      if (codes[i] == grpc::StatusCode::RESOURCE_EXHAUSTED) ++refused;
    });
  }
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] { return refused.load() >= kRefused; }))
      << refused.load() << " refused\n"
      << log();
  for (auto& stream : streams) stream->Cancel();  // the admitted ones end now
  for (std::thread& drain : drains) drain.join();
  EXPECT_EQ(refused.load(), kRefused) << log();
  for (grpc::StatusCode code : codes) {
    EXPECT_TRUE(code == grpc::StatusCode::RESOURCE_EXHAUSTED || code == grpc::StatusCode::CANCELLED)
        << "stream ended with " << code << " before the test cancelled it";
  }
  EXPECT_THAT(log(), HasSubstr("refusing agent stream"));

  // The agent connected before keeps working; the collector's memory did not balloon.
  ASSERT_TRUE(good.SendAlerts({MakeAlert(1)}));
  EXPECT_TRUE(good.WaitForAck(1)) << log();
  streams.clear();
  const int64_t rss_after = ResidentKiB(collector_->pid());
  std::printf("collector RSS: %lld kB before, %lld kB after %d parallel streams\n",
              static_cast<long long>(rss_before), static_cast<long long>(rss_after), kStreams);
  EXPECT_LT(rss_after - rss_before, 64 * 1024) << rss_before << " kB -> " << rss_after << " kB";

  // Once they are gone, new agents get in again.
  EXPECT_TRUE(WaitUntil(absl::Seconds(10), [&] {
    TestAgent late(TestChannel(port_));
    bool ok = late.SendHello(MakeHello("late-agent")) && late.WaitForAck(0, absl::Seconds(2));
    late.Close();
    return ok;
  })) << log();
  EXPECT_TRUE(collector_->running());
  good.Close();
}

// Silent streams (Connect, then nothing) with a short Hello deadline and a per-address cap on
// streams that have not said Hello: a client opening twice max_streams of them holds at most
// the per-address cap, each for the deadline, while agents keep connecting and storing.
constexpr int kUnauthenticatedPerAddress = 6;
constexpr absl::Duration kHelloTimeout = absl::Seconds(2);

class SilentStreamTest : public MisbehavingAgentTest {
 protected:
  SilentStreamTest() {
    extra_flags_ = {"--limits-hello-timeout", absl::FormatDuration(kHelloTimeout),
                    "--limits-max-unauthenticated-per-address",
                    std::to_string(kUnauthenticatedPerAddress)};
  }
};

TEST_F(SilentStreamTest, SilentStreamsAreCappedPerAddressAndClosedAtTheHelloDeadline) {
  TestAgent good(TestChannel(port_));
  ASSERT_TRUE(good.SendHello(MakeHello("good-agent")));
  ASSERT_TRUE(good.WaitForAck(0));

  // Every stream on its own connection, as a client trying to get past per-connection limits
  // would do. All come from 127.0.0.1, so the per-address cap applies to all of them.
  constexpr int kStreams = kMaxStreams * 2;
  std::vector<std::unique_ptr<RawStream>> streams;
  const absl::Time opening = absl::Now();
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(std::make_unique<RawStream>(TestChannel(port_), absl::Seconds(60)));
  }
  const absl::Duration opened_in = absl::Now() - opening;
  std::printf("opened %d silent streams in %s\n", kStreams,
              absl::FormatDuration(opened_in).c_str());
  std::vector<grpc::Status> ends(kStreams);
  std::atomic<int> ended{0};
  std::vector<std::thread> drains;
  for (int i = 0; i < kStreams; ++i) {
    drains.emplace_back([&, i] {
      ends[i] = streams[i]->Drain();
      ++ended;
    });
  }

  // While they are open the good agent's alerts are stored and acknowledged, and the collector
  // holds no more than the cap of them.
  for (uint64_t s = 1; s <= 3; ++s) {
    ASSERT_TRUE(good.SendAlerts({MakeAlert(s)}));
    EXPECT_TRUE(good.WaitForAck(s, absl::Seconds(5))) << "alert " << s << "\n" << log();
  }
  const v1::StreamCounters during = ListAgents().streams();
  EXPECT_LE(during.unauthenticated(), static_cast<uint32_t>(kUnauthenticatedPerAddress));
  EXPECT_LE(during.open(), static_cast<uint32_t>(1 + kUnauthenticatedPerAddress));

  // Nobody cancels them: each admitted one is closed by the collector at the deadline.
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] { return ended.load() == kStreams; }))
      << ended.load() << " of " << kStreams << " ended\n"
      << log();
  for (auto& stream : streams) stream->Cancel();  // only if the collector failed to close one
  for (std::thread& drain : drains) drain.join();
  int refused = 0;
  int timed_out = 0;
  for (const grpc::Status& end : ends) {
    if (end.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_THAT(end.error_message(),
                  HasSubstr("too many streams from ipv4:127.0.0.1 have not said Hello yet"));
    } else if (end.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      ++timed_out;
      EXPECT_THAT(end.error_message(), HasSubstr("no Hello within 2s of opening the stream"));
    } else {
      ADD_FAILURE() << "a silent stream ended with " << end.error_code() << ": "
                    << end.error_message();
    }
  }
  std::printf("%d refused at once, %d closed at the Hello deadline\n", refused, timed_out);
  EXPECT_GE(timed_out, kUnauthenticatedPerAddress);
  EXPECT_GE(refused, 1);
  if (opened_in < kHelloTimeout / 2) {
    // All were open before the first deadline: exactly the cap got in.
    EXPECT_EQ(timed_out, kUnauthenticatedPerAddress);
    EXPECT_EQ(refused, kStreams - kUnauthenticatedPerAddress);
  }

  // The collector counted each, and holds none of them any more.
  const v1::StreamCounters after = ListAgents().streams();
  EXPECT_EQ(after.hello_timeouts(), static_cast<uint64_t>(timed_out));
  EXPECT_EQ(after.refused_per_address(), static_cast<uint64_t>(refused));
  EXPECT_EQ(after.refused_max_streams(), 0u);
  EXPECT_EQ(after.unauthenticated(), 0u);
  EXPECT_EQ(after.open(), 1u);  // `good`
  EXPECT_THAT(log(), HasSubstr("no Hello within 2s; closing"));
  EXPECT_THAT(log(), HasSubstr("(max_unauthenticated_per_address)"));

  // A new agent connects from the same address and its alerts are stored.
  TestAgent late(TestChannel(port_));
  ASSERT_TRUE(late.SendHello(MakeHello("late-agent")));
  ASSERT_TRUE(late.WaitForAck(0)) << log();
  ASSERT_TRUE(late.SendAlerts({MakeAlert(1), MakeAlert(2)}));
  EXPECT_TRUE(late.WaitForAck(2)) << log();
  EXPECT_EQ(Count("SELECT count(*) FROM alerts WHERE agent_id = 'good-agent'"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM alerts WHERE agent_id = 'late-agent'"), 2);
  EXPECT_TRUE(collector_->running());
  late.Close();
  good.Close();
}

// A stream that says Hello in time is not touched by the deadline, however long it then stays.
TEST_F(SilentStreamTest, AnAgentPastHelloOutlivesTheDeadline) {
  TestAgent agent(TestChannel(port_));
  ASSERT_TRUE(agent.SendHello(MakeHello("steady-agent")));
  ASSERT_TRUE(agent.WaitForAck(0));
  absl::SleepFor(kHelloTimeout + absl::Milliseconds(500));  // past the deadline it had
  ASSERT_TRUE(agent.SendAlerts({MakeAlert(1)}));
  EXPECT_TRUE(agent.WaitForAck(1)) << log();
  EXPECT_EQ(ListAgents().streams().hello_timeouts(), 0u);
  agent.Close();
}

}  // namespace
}  // namespace otasuke::collector
