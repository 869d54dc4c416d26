#include "agent/transport/transport.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "agent/transport/backoff.h"
#include "common/log.h"
#include "common/stoppable_sleep.h"
#include "common/thread_name.h"

namespace otasuke::agent {
namespace {

using Stream = grpc::ClientReaderWriter<otasuke::v1::AgentMessage, otasuke::v1::CollectorMessage>;

std::chrono::system_clock::time_point ToChrono(absl::Time t) { return absl::ToChronoTime(t); }

int Milliseconds(absl::Duration d) {
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX));
}

}  // namespace

Transport::Transport(TransportOptions options, AlertQueue& queue, TransportDelegate& delegate)
    : options_(std::move(options)), queue_(queue), delegate_(delegate) {}

bool Transport::connected() const {
  absl::MutexLock lock(&mu_);
  return connected_;
}

uint64_t Transport::reconnects() const {
  absl::MutexLock lock(&mu_);
  return reconnects_;
}

void Transport::Send(otasuke::v1::AgentMessage message) {
  {
    absl::MutexLock lock(&mu_);
    outbox_.push_back(std::move(message));
  }
  queue_.Interrupt();
}

void Transport::CancelCurrentStream() {
  absl::MutexLock lock(&mu_);
  if (current_ != nullptr) current_->TryCancel();
}

void Transport::Run(std::stop_token stop) {
  Backoff backoff(options_.initial_backoff, options_.max_backoff);
  std::stop_callback on_stop(stop, [this] {
    CancelCurrentStream();
    queue_.Interrupt();
  });
  while (!stop.stop_requested()) {
    absl::Time started = absl::Now();
    absl::Status ended = RunStream(stop);
    {
      absl::MutexLock lock(&mu_);
      connected_ = false;
    }
    if (stop.stop_requested()) break;
    // A stream that lived a while was a success: start the backoff ladder again.
    if (absl::Now() - started > options_.max_backoff) backoff.Reset();
    const absl::Duration wait = backoff.Next();
    LOG_WARN("collector %s: %s; reconnecting in %s (attempt %d)", options_.collector_address,
             ended.ToString(), absl::FormatDuration(wait), backoff.attempts());
    SleepUnlessStopped(wait, stop);
    absl::MutexLock lock(&mu_);
    ++reconnects_;
  }
}

bool Transport::WriteOutbox(Stream& stream) {
  std::vector<otasuke::v1::AgentMessage> pending;
  {
    absl::MutexLock lock(&mu_);
    pending.swap(outbox_);
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    if (!stream.Write(pending[i])) {
      // Keep what was not sent for the next stream, in order.
      absl::MutexLock lock(&mu_);
      outbox_.insert(outbox_.begin(), std::make_move_iterator(pending.begin() + i),
                     std::make_move_iterator(pending.end()));
      return false;
    }
  }
  return true;
}

void Transport::HandleMessage(const otasuke::v1::CollectorMessage& message) {
  switch (message.msg_case()) {
    case otasuke::v1::CollectorMessage::kAck:
      queue_.Ack(message.ack().sequence());
      break;
    case otasuke::v1::CollectorMessage::kRuleset: {
      otasuke::v1::RuleSet copy = message.ruleset();
      delegate_.OnRuleSet(std::move(copy));
      break;
    }
    case otasuke::v1::CollectorMessage::kCommand:
      delegate_.OnCommand(message.command());
      break;
    case otasuke::v1::CollectorMessage::MSG_NOT_SET:
      LOG_WARN("collector sent an empty message; ignored");
      break;
  }
}

bool Transport::WatchAcks(const AckDeadline& deadline, grpc::ClientContext& context,
                          std::stop_token done) {
  // Sleeps until the wait in progress could expire: the link is declared dead at most 50 ms
  // late, and an idle stream wakes this thread once per timeout.
  while (!SleepUnlessStopped(std::max(deadline.UntilExpiry(), absl::Milliseconds(50)), done)) {
    if (deadline.Expired()) {
      LOG_WARN("collector acknowledged none of %d alerts sent within %s; closing the stream",
               deadline.unacknowledged(), absl::FormatDuration(deadline.timeout()));
      context.TryCancel();
      return true;
    }
  }
  return false;
}

absl::Status Transport::RunStream(std::stop_token stop) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(static_cast<int>(options_.max_message_bytes));
  args.SetMaxSendMessageSize(static_cast<int>(options_.max_message_bytes));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, Milliseconds(options_.keepalive_interval));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Milliseconds(options_.keepalive_timeout));
  // Pings while no call is open too, and however little data flows, so an idle stream into a
  // dead link is noticed as soon as a busy one.
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  if (!options_.tls_target_name.empty()) args.SetSslTargetNameOverride(options_.tls_target_name);
  auto credentials =
      options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials();
  auto channel = grpc::CreateCustomChannel(options_.collector_address, credentials, args);
  // Wait for the connection in short slices so a stop request is honoured promptly.
  const absl::Time connect_deadline = absl::Now() + options_.connect_timeout;
  while (!channel->WaitForConnected(
      ToChrono(std::min(connect_deadline, absl::Now() + absl::Milliseconds(250))))) {
    if (stop.stop_requested()) return absl::CancelledError("stopping");
    if (absl::Now() >= connect_deadline) {
      return absl::UnavailableError(absl::StrFormat(
          "cannot connect within %s", absl::FormatDuration(options_.connect_timeout)));
    }
  }
  auto stub = otasuke::v1::AgentService::NewStub(channel);
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    if (stop.stop_requested()) return absl::CancelledError("stopping");
    current_ = &context;
  }
  std::unique_ptr<Stream> stream = stub->Connect(&context);
  otasuke::v1::AgentMessage hello;
  *hello.mutable_hello() = delegate_.MakeHello();
  std::atomic<bool> broken{false};
  std::atomic<bool> ack_timed_out{false};
  AckDeadline ack_deadline(options_.ack_timeout,
                           options_.clock != nullptr ? *options_.clock : RealClock::Get());
  std::thread reader;
  std::jthread watchdog;
  if (stream->Write(hello)) {
    queue_.RewindUnsent();
    LOG_INFO("connected to collector %s as agent %s", options_.collector_address,
             hello.hello().agent_id());
    reader = std::thread([&] {
      NameThisThread("stream-reader");
      otasuke::v1::CollectorMessage message;
      while (stream->Read(&message)) {
        {
          absl::MutexLock lock(&mu_);
          connected_ = true;
        }
        if (message.has_ack()) ack_deadline.Acked(message.ack().sequence());
        HandleMessage(message);
      }
      broken = true;
      queue_.Interrupt();
    });
    watchdog = std::jthread([&](std::stop_token done) {
      NameThisThread("ack-watchdog");
      ack_timed_out = WatchAcks(ack_deadline, context, done);
    });
    absl::Time next_heartbeat = absl::Now();
    while (!stop.stop_requested() && !broken) {
      if (!WriteOutbox(*stream)) break;
      if (absl::Now() >= next_heartbeat) {
        otasuke::v1::AgentMessage hb;
        delegate_.FillHeartbeat(hb.mutable_heartbeat());
        if (!stream->Write(hb)) break;
        next_heartbeat = absl::Now() + options_.heartbeat_interval;
      }
      otasuke::v1::AgentMessage batch;
      const size_t n = queue_.NextBatch(batch.mutable_alerts(), options_.max_batch_alerts,
                                        options_.max_message_bytes / 2, next_heartbeat);
      if (n > 0) {
        const uint64_t last = batch.alerts().alerts(static_cast<int>(n) - 1).sequence();
        if (!stream->Write(batch)) break;
        ack_deadline.Sent(last);
      }
    }
  }
  // On stop we end the call ourselves; otherwise it already failed, and Finish() says why.
  if (stop.stop_requested()) context.TryCancel();
  if (reader.joinable()) reader.join();
  if (watchdog.joinable()) {
    watchdog.request_stop();
    watchdog.join();
  }
  grpc::Status status = stream->Finish();
  {
    absl::MutexLock lock(&mu_);
    current_ = nullptr;
  }
  if (stop.stop_requested()) return absl::CancelledError("stopping");
  if (ack_timed_out) {
    return absl::DeadlineExceededError(
        absl::StrFormat("no acknowledgement within %s for alerts sent; the link looks dead",
                        absl::FormatDuration(options_.ack_timeout)));
  }
  if (status.ok()) return absl::UnavailableError("collector closed the stream");
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace otasuke::agent
