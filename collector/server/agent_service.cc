#include "collector/server/agent_service.h"

#include <grpcpp/alarm.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

using Reactor = grpc::ServerBidiReactor<v1::AgentMessage, v1::CollectorMessage>;

// True for the 1st, 2nd, 4th, 8th, ... event: a flood does not flood the log.
bool PowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

// State of one stream shared between its reactor and the store/pool callbacks that outlive a
// reaction. All reactor calls (StartRead/StartWrite/Finish) are made under mu_: gRPC never runs
// reactions inline from them, and holding mu_ guarantees the reactor is not deleted meanwhile
// (OnDone takes mu_ to clear `reactor_`). No lock is held across reactions.
class Session final : public AgentStreamHandle, public std::enable_shared_from_this<Session> {
 public:
  Session(Store& store, AgentRegistry& registry, AgentLimiter& limiter, WorkerPool& pool,
          const AgentServiceOptions& options, std::atomic<int64_t>& queued_bytes, std::string peer,
          std::string peer_cert_pem)
      : store_(store),
        registry_(registry),
        limiter_(limiter),
        pool_(pool),
        options_(options),
        queued_bytes_(queued_bytes),
        validator_(options.limits),
        peer_(std::move(peer)),
        peer_address_(PeerLimitKey(peer_)),
        peer_cert_pem_(std::move(peer_cert_pem)) {}

  // Starts reading the Hello, and the deadline for it. The caller admitted the stream as
  // unauthenticated for peer_address_ (AgentLimiter::AdmitUnauthenticated).
  void Attach(Reactor* reactor) {
    absl::MutexLock lock(&mu_);
    reactor_ = reactor;
    reading_ = true;
    reactor_->StartRead(&incoming_);
    const absl::Duration timeout = limiter_.limits().hello_timeout;
    hello_alarm_ = std::make_unique<grpc::Alarm>();
    // Weak, as pause_alarm_: the session owns the alarm.
    hello_alarm_->Set(absl::ToChronoTime(absl::Now() + timeout),
                      [weak = weak_from_this(), timeout](bool fired) {
                        if (!fired) return;  // cancelled: the session is going away
                        if (std::shared_ptr<Session> self = weak.lock()) {
                          self->OnHelloDeadline(timeout);
                        }
                      });
  }

  const std::string& agent_id() const override { return agent_id_; }
  const std::string& tenant_id() const override { return tenant_id_; }

  bool Send(v1::CollectorMessage message) override {
    absl::MutexLock lock(&mu_);
    return SendLocked(std::move(message));
  }

  void Close(absl::Status status) override {
    absl::MutexLock lock(&mu_);
    CloseLocked(ToGrpcStatus(status));
  }

  void OnReadDone(bool ok) {
    if (!ok) {
      // The agent closed its side or the call was cancelled. Writes still waiting for their
      // commit get their Acks first.
      absl::MutexLock lock(&mu_);
      reading_ = false;
      read_closed_ = true;
      if (writes_in_flight_ == 0) FinishWhenFlushedLocked();
      return;
    }
    // reading_ stays set until this message is queued to the store: a commit finishing meanwhile
    // must not start the next read, whose message could overtake this one.
    v1::AgentMessage message = std::move(incoming_);
    incoming_.Clear();
    bool first = !validator_.has_hello();
    if (first) {
      ReleaseUnauthenticated();
      absl::MutexLock lock(&mu_);
      hello_read_ = true;
      // The Hello deadline closed the stream while this message was on its way.
      if (finish_called_ || pending_finish_.has_value()) return;
    }
    const size_t bytes = first ? 0 : message.ByteSizeLong();
    absl::Status valid = validator_.Accept(message);
    if (!valid.ok()) {
      LOG_WARN("agent stream %s (%s): closing: %s", peer_, agent_id_, valid.ToString());
      if (registered_) {
        limiter_.CountViolation(agent_id_);
        Audit("agent.protocol_violation", std::string(valid.message()));
      }
      Close(valid);
      return;
    }
    if (!first) {
      const int alerts = message.has_alerts() ? message.alerts().alerts_size() : 0;
      absl::Duration pause = limiter_.Charge(agent_id_, alerts, bytes);
      if (pause > absl::ZeroDuration()) {
        Audit("limits.rate_exceeded",
              absl::StrCat("stream paused ", absl::FormatDuration(pause), " (limits ",
                           limiter_.limits().alerts_per_second, " alerts/s, ",
                           limiter_.limits().bytes_per_second, " bytes/s)"));
      }
      absl::MutexLock lock(&mu_);
      pause_ = pause;
    }
    auto self = shared_from_this();
    const auto size = static_cast<int64_t>(bytes);
    switch (message.msg_case()) {
      case v1::AgentMessage::kHello:
        if (first) OnHello(message.hello());
        break;  // the next read starts once the agent is stored (hello_stored_)
      case v1::AgentMessage::kAlerts: {
        std::vector<v1::Alert> alerts(
            std::make_move_iterator(message.mutable_alerts()->mutable_alerts()->begin()),
            std::make_move_iterator(message.mutable_alerts()->mutable_alerts()->end()));
        WriteQueued(size);
        store_.IngestAlerts(agent_id_, std::move(alerts), chain_,
                            [self, size](absl::StatusOr<IngestResult> result) {
                              self->WriteDone(size, result.status(), " alerts",
                                              result.ok() ? result->acked_sequence : 0);
                            });
        break;
      }
      case v1::AgentMessage::kHeartbeat:
        WriteQueued(size);
        store_.RecordHeartbeat(agent_id_, message.heartbeat(), [self, size](absl::Status status) {
          self->WriteDone(size, status, "", std::nullopt);
        });
        break;
      case v1::AgentMessage::kRulesetStatus: {
        const v1::RuleSetStatus& status = message.ruleset_status();
        if (status.accepted()) {
          LOG_INFO("agent %s runs rule set %s", agent_id_, status.version());
        } else {
          LOG_WARN("agent %s rejected rule set %s: %s", agent_id_, status.version(),
                   status.error());
        }
        WriteQueued(size);
        store_.RecordRuleSetStatus(agent_id_, status, [self, size](absl::Status s) {
          self->WriteDone(size, s, "", std::nullopt);
        });
        break;
      }
      default:
        return;  // the validator rejected everything else
    }
    absl::MutexLock lock(&mu_);
    reading_ = false;
    MaybeReadLocked();
  }

  void OnWriteDone(bool ok) {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
    if (!ok) {
      outgoing_.clear();
      if (pending_finish_.has_value()) {  // CloseLocked would wait for it: finish now
        finish_called_ = true;
        reactor_->Finish(*pending_finish_);
        return;
      }
      CloseLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write to agent failed"));
      return;
    }
    if (pending_finish_.has_value()) {
      if (!outgoing_.empty()) {  // a graceful end: the Acks still queued go out first
        StartNextWriteLocked();
        return;
      }
      finish_called_ = true;
      reactor_->Finish(*pending_finish_);
      return;
    }
    StartNextWriteLocked();
  }

  void OnCancel() {
    absl::MutexLock lock(&mu_);
    CloseLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
  }

  void OnDone() {
    {
      absl::MutexLock lock(&mu_);
      reactor_ = nullptr;
    }
    ReleaseUnauthenticated();
    limiter_.ReleaseStream();
    if (registered_ && registry_.Unregister(this)) {
      LOG_INFO("agent %s disconnected (%s)", agent_id_, peer_);
      store_.MarkDisconnected(agent_id_, [](absl::Status) {});
    }
  }

 private:
  // Closes a stream that has not said Hello within the deadline: it would hold a stream slot
  // (and, before Hello, its address's unauthenticated slot) for as long as the client likes.
  void OnHelloDeadline(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    if (hello_read_ || reactor_ == nullptr || finish_called_ || pending_finish_.has_value()) {
      return;
    }
    limiter_.CountHelloTimeout();
    const uint64_t timeouts = limiter_.stream_counters().hello_timeouts;
    if (PowerOfTwo(timeouts)) {
      LOG_WARN("agent stream %s: no Hello within %s; closing (%d such streams so far)", peer_,
               absl::FormatDuration(timeout), timeouts);
    }
    CloseLocked(
        grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                     absl::StrCat("no Hello within ", absl::FormatDuration(timeout),
                                  " of opening the stream (limits.hello_timeout); closing it")));
  }

  // Gives back the stream's place among its address's streams without Hello, once. Called
  // from reactions and OnDone only, which gRPC runs one after another.
  void ReleaseUnauthenticated() {
    if (!holds_unauthenticated_slot_) return;
    holds_unauthenticated_slot_ = false;
    limiter_.ReleaseUnauthenticated(peer_address_);
  }

  void OnHello(const v1::Hello& hello) {
    if (options_.authorizer != nullptr) {
      absl::Status allowed = options_.authorizer->AuthorizeStream(peer_cert_pem_, hello);
      if (!allowed.ok()) {
        LOG_WARN("agent stream %s refused: %s", peer_, allowed.message());
        Close(allowed);
        return;
      }
    }
    agent_id_ = hello.agent_id();
    tenant_id_ = hello.tenant_id();
    registered_ = true;
    std::shared_ptr<AgentStreamHandle> replaced = registry_.Register(shared_from_this());
    if (replaced != nullptr) {
      LOG_INFO("agent %s connected again from %s; closing its previous stream", agent_id_, peer_);
      replaced->Close(absl::AbortedError("replaced by a newer stream from the same agent"));
    }
    LOG_INFO("agent %s (tenant %s, host %s, version %s) connected from %s", agent_id_, tenant_id_,
             hello.hostname(), hello.agent_version(), peer_);
    auto self = shared_from_this();
    std::string active_version = hello.ruleset_version();
    store_.UpsertAgent(hello, [self, active_version](absl::StatusOr<AgentState> state) {
      if (!state.ok()) {
        self->Close(absl::UnavailableError(
            absl::StrCat("collector could not record the agent: ", state.status().message())));
        return;
      }
      self->AckAndReadNext(state->acked_sequence);
      // The rule-set look-up reads SQLite: not on the writer thread.
      self->pool_.Post([self, active_version] { self->OfferRuleSet(active_version); });
    });
  }

  // Sends the newest rule set for the tenant if the agent runs another version.
  void OfferRuleSet(const std::string& active_version) {
    absl::StatusOr<std::optional<v1::RuleSet>> latest = store_.LatestRuleSet(tenant_id_);
    if (!latest.ok()) {
      LOG_ERROR("rule-set look-up for agent %s: %s", agent_id_, latest.status().ToString());
      return;
    }
    if (!latest->has_value() || (*latest)->version() == active_version) return;
    LOG_INFO("agent %s runs rule set '%s'; sending '%s'", agent_id_, active_version,
             (*latest)->version());
    v1::CollectorMessage message;
    *message.mutable_ruleset() = std::move(**latest);
    Send(std::move(message));
  }

  // The Hello is stored: answer it and start reading alerts.
  void AckAndReadNext(uint64_t acked_sequence) {
    absl::MutexLock lock(&mu_);
    hello_stored_ = true;
    if (!SendAckLocked(acked_sequence)) return;
    MaybeReadLocked();
  }

  // Called before a message's write is queued to the store (its completion may run first).
  void WriteQueued(int64_t bytes) {
    absl::MutexLock lock(&mu_);
    ++writes_in_flight_;
    queued_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }

  // A queued write committed (or failed): Ack it when it stored alerts, read on.
  void WriteDone(int64_t bytes, const absl::Status& status, const char* what,
                 std::optional<uint64_t> acked_sequence) {
    absl::MutexLock lock(&mu_);
    --writes_in_flight_;
    queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    if (!status.ok()) {
      CloseLocked(
          grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       absl::StrCat("collector could not store", what, ": ", status.message())));
      return;
    }
    if (acked_sequence.has_value() && !SendAckLocked(*acked_sequence)) return;
    if (read_closed_ && writes_in_flight_ == 0) {
      FinishWhenFlushedLocked();  // the agent ended its side; every write is answered
      return;
    }
    MaybeReadLocked();
  }

  bool SendAckLocked(uint64_t acked_sequence) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    v1::CollectorMessage ack;
    ack.mutable_ack()->set_sequence(acked_sequence);
    return SendLocked(std::move(ack));
  }

  // Starts the next read unless one is under way or the stream's read-ahead is used up (see
  // agent_service.h). With no write waiting, a stream may always read.
  void MaybeReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reading_ || read_closed_ || !hello_stored_) return;
    if (writes_in_flight_ > 0 &&
        (writes_in_flight_ >= options_.read_ahead_writes ||
         queued_bytes_.load(std::memory_order_relaxed) >= options_.read_ahead_bytes)) {
      return;  // a commit of this stream's writes calls again
    }
    if (reactor_ == nullptr || finish_called_ || pending_finish_.has_value()) return;
    reading_ = true;
    StartReadLocked();
  }

  // Reads the next message, or, when the agent is over its rate, after the pause: until then
  // HTTP/2 flow control holds the agent back.
  void StartReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr || finish_called_ || pending_finish_.has_value()) return;
    if (pause_ > absl::ZeroDuration()) {
      const auto deadline = std::chrono::system_clock::now() +
                            std::chrono::microseconds(absl::ToInt64Microseconds(pause_));
      pause_ = absl::ZeroDuration();
      pause_alarm_ = std::make_unique<grpc::Alarm>();
      // Weak: the alarm keeps its callback until the alarm is destroyed, and the session owns
      // the alarm. The reactor keeps the session alive until the stream is done.
      pause_alarm_->Set(deadline, [weak = weak_from_this()](bool) {
        if (std::shared_ptr<Session> self = weak.lock()) {
          absl::MutexLock lock(&self->mu_);
          self->StartReadLocked();
        }
      });
      return;
    }
    reactor_->StartRead(&incoming_);
  }

  // An audit row about this agent, at most one per agent per RateLimits::audit_interval (a
  // misbehaving agent cannot flood the audit log), also logged.
  void Audit(std::string_view action, std::string detail) {
    if (!limiter_.ShouldAudit(agent_id_)) return;
    LOG_WARN("agent %s (%s): %s: %s", agent_id_, peer_, action, detail);
    store_.AuditAgentEvent(agent_id_, tenant_id_, std::string(action), std::move(detail),
                           [](absl::Status) {});
  }

  bool SendLocked(v1::CollectorMessage message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr || finish_called_ || pending_finish_.has_value()) return false;
    // Only the newest ack matters: fold a queued one rather than queue another.
    if (message.has_ack() && !outgoing_.empty() && outgoing_.back().has_ack()) {
      outgoing_.back() = std::move(message);
    } else if (outgoing_.size() >= options_.max_outgoing_queue) {
      CloseLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "agent is not reading the collector's messages"));
      return false;
    } else {
      outgoing_.push_back(std::move(message));
    }
    StartNextWriteLocked();
    return true;
  }

  void StartNextWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (write_in_flight_ || outgoing_.empty() || reactor_ == nullptr || finish_called_) return;
    writing_ = std::move(outgoing_.front());
    outgoing_.pop_front();
    write_in_flight_ = true;
    reactor_->StartWrite(&writing_);
  }

  // Ends the stream with OK once every queued message (the last Acks) is written.
  void FinishWhenFlushedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr || finish_called_ || pending_finish_.has_value()) return;
    if (write_in_flight_) {
      pending_finish_ = grpc::Status::OK;  // OnWriteDone writes the rest, then finishes
      return;
    }
    finish_called_ = true;
    reactor_->Finish(grpc::Status::OK);
  }

  void CloseLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr || finish_called_ || pending_finish_.has_value()) return;
    outgoing_.clear();
    if (write_in_flight_) {
      pending_finish_ = std::move(status);  // Finish once the write in flight completes
      return;
    }
    finish_called_ = true;
    reactor_->Finish(status);
  }

  Store& store_;
  AgentRegistry& registry_;
  AgentLimiter& limiter_;
  WorkerPool& pool_;
  const AgentServiceOptions& options_;
  std::atomic<int64_t>& queued_bytes_;  // of all streams (AgentServiceImpl)
  // This stream's writes, in order: one failing fails the later ones (store.h).
  const std::shared_ptr<WriteChain> chain_ = std::make_shared<WriteChain>();
  // Touched only by reactions, which gRPC runs one at a time for a reader (no lock needed):
  StreamValidator validator_;
  v1::AgentMessage incoming_;
  const std::string peer_;
  const std::string peer_address_;  // PeerLimitKey(peer_): what the Hello cap counts under
  const std::string peer_cert_pem_;
  bool holds_unauthenticated_slot_ = true;  // until the first message or the end
  // Set once at Hello, before the session is shared through the registry.
  std::string agent_id_;
  std::string tenant_id_;
  bool registered_ = false;

  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::deque<v1::CollectorMessage> outgoing_ ABSL_GUARDED_BY(mu_);
  v1::CollectorMessage writing_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  // A read started (or paused), or its message not yet queued to the store.
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool hello_stored_ ABSL_GUARDED_BY(mu_) = false;
  bool read_closed_ ABSL_GUARDED_BY(mu_) = false;  // the agent ended its side
  int writes_in_flight_ ABSL_GUARDED_BY(mu_) = 0;  // queued to the store, not yet committed
  absl::Duration pause_ ABSL_GUARDED_BY(mu_);      // before the next read (rate limit)
  std::unique_ptr<grpc::Alarm> pause_alarm_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<grpc::Alarm> hello_alarm_ ABSL_GUARDED_BY(mu_);
  bool hello_read_ ABSL_GUARDED_BY(mu_) = false;  // the deadline no longer applies
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> pending_finish_ ABSL_GUARDED_BY(mu_);
};

class AgentStreamReactor final : public Reactor {
 public:
  explicit AgentStreamReactor(std::shared_ptr<Session> session) : session_(std::move(session)) {
    session_->Attach(this);
  }
  void OnReadDone(bool ok) override { session_->OnReadDone(ok); }
  void OnWriteDone(bool ok) override { session_->OnWriteDone(ok); }
  void OnCancel() override { session_->OnCancel(); }
  void OnDone() override {
    session_->OnDone();
    delete this;
  }

 private:
  std::shared_ptr<Session> session_;
};

// Answers a stream the limits refuse (RESOURCE_EXHAUSTED with `why`) and ends.
class RefusedStreamReactor final : public Reactor {
 public:
  explicit RefusedStreamReactor(std::string why) {
    Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, std::move(why)));
  }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

grpc::ServerBidiReactor<v1::AgentMessage, v1::CollectorMessage>* AgentServiceImpl::Connect(
    grpc::CallbackServerContext* context) {
  if (!limiter_.AdmitStream()) {
    const uint64_t refused = limiter_.rejected_streams();
    if (PowerOfTwo(refused)) {
      LOG_WARN("refusing agent stream from %s: %d streams open (max_streams); %d refused so far",
               context->peer(), limiter_.open_streams(), refused);
    }
    return new RefusedStreamReactor("the collector has too many open agent streams; retry later");
  }
  const std::string peer = context->peer();
  const std::string address = PeerLimitKey(peer);
  if (!limiter_.AdmitUnauthenticated(address)) {
    limiter_.ReleaseStream();
    const uint64_t refused = limiter_.stream_counters().refused_per_address;
    if (PowerOfTwo(refused)) {
      LOG_WARN(
          "refusing agent stream from %s: %d streams from that address have not said Hello "
          "(max_unauthenticated_per_address); %d refused so far",
          peer, limiter_.limits().max_unauthenticated_per_address, refused);
    }
    return new RefusedStreamReactor(absl::StrCat(
        "too many streams from ", Sv(address),
        " have not said Hello yet (limits.max_unauthenticated_per_address); retry later"));
  }
  // The client certificate the TLS layer verified against the CA (none in insecure mode).
  std::string peer_cert_pem;
  if (std::shared_ptr<const grpc::AuthContext> auth = context->auth_context(); auth != nullptr) {
    std::vector<grpc::string_ref> certs =
        auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
    if (!certs.empty()) peer_cert_pem.assign(certs.front().data(), certs.front().size());
  }
  auto session = std::make_shared<Session>(store_, registry_, limiter_, pool_, options_,
                                           queued_bytes_, peer, std::move(peer_cert_pem));
  return new AgentStreamReactor(std::move(session));
}

}  // namespace otasuke::collector
