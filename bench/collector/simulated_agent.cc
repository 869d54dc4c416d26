#include "bench/collector/simulated_agent.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "otasuke/v1/agent_service.pb.h"

namespace otasuke::collector::bench {

// Reactor calls (StartWrite, StartRead, StartWritesDone) are made without holding mu_: a
// reaction may run inline from them. outgoing_ belongs to the write in flight and incoming_ to
// the one outstanding read, so neither needs the lock.

SimulatedAgent::SimulatedAgent(AgentPlan plan, AlertFactory& factory, FleetCounters& counters,
                               bool record_ack_latency)
    : plan_(std::move(plan)),
      factory_(factory),
      counters_(counters),
      record_ack_latency_(record_ack_latency) {}

void SimulatedAgent::Start(v1::AgentService::Stub& stub) {
  v1::Hello& hello = *outgoing_.mutable_hello();
  hello.set_agent_id(plan_.agent_id);
  hello.set_tenant_id(plan_.tenant_id);
  hello.set_hostname(plan_.hostname);
  hello.set_os("Debian GNU/Linux 12");
  hello.set_agent_version("0.1.0-load");
  hello.set_profile(v1::PROFILE_ENDPOINT);
  {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = true;
  }
  stub.async()->Connect(&context_, this);
  StartWrite(&outgoing_);
  StartRead(&incoming_);
  StartCall();
}

void SimulatedAgent::Generate(int count) {
  absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    for (int i = 0; i < count; ++i) waiting_.push_back({next_sequence_++, now});
  }
  WriteIfReady();
}

void SimulatedAgent::FinishWhenAcked() {
  {
    absl::MutexLock lock(&mu_);
    finish_when_acked_ = true;
  }
  WriteIfReady();
}

bool SimulatedAgent::PrepareWriteLocked() {
  if (write_in_flight_ || writes_done_ || !hello_acked_) return false;
  size_t room = unacked_.size() < static_cast<size_t>(plan_.max_in_flight)
                    ? static_cast<size_t>(plan_.max_in_flight) - unacked_.size()
                    : 0;
  size_t take = std::min({waiting_.size(), room, static_cast<size_t>(plan_.batch)});
  if (take == 0) return false;
  google::protobuf::RepeatedPtrField<v1::Alert>* alerts =
      outgoing_.mutable_alerts()->mutable_alerts();
  alerts->Clear();  // keeps the cleared Alerts for reuse
  for (size_t i = 0; i < take; ++i) {
    const Pending& alert = waiting_.front();
    factory_.Fill(alert.sequence, plan_.hostname, alert.created, alerts->Add());
    unacked_.push_back(alert);
    waiting_.pop_front();
  }
  counters_.sent += static_cast<int64_t>(take);
  write_in_flight_ = true;
  return true;
}

void SimulatedAgent::WriteIfReady() {
  bool write = false;
  bool close = false;
  {
    absl::MutexLock lock(&mu_);
    write = PrepareWriteLocked();
    if (!write && !write_in_flight_ && !writes_done_ && finish_when_acked_ && waiting_.empty() &&
        unacked_.empty()) {
      writes_done_ = true;
      close = true;
    }
  }
  if (write) StartWrite(&outgoing_);
  if (close) StartWritesDone();
}

void SimulatedAgent::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
    if (!ok) return;  // the stream is broken; OnDone follows
  }
  WriteIfReady();
}

void SimulatedAgent::OnReadDone(bool ok) {
  if (!ok) return;  // the collector ended the stream; OnDone follows
  if (incoming_.has_ack()) {
    uint64_t sequence = incoming_.ack().sequence();
    absl::Time now = absl::Now();
    int64_t released = 0;
    bool first = false;
    {
      absl::MutexLock lock(&mu_);
      if (!hello_acked_) {
        hello_acked_ = true;
        first = true;
      }
      while (!unacked_.empty() && unacked_.front().sequence <= sequence) {
        if (record_ack_latency_) {
          ack_latencies_us_.push_back(
              static_cast<int32_t>(absl::ToInt64Microseconds(now - unacked_.front().created)));
        }
        unacked_.pop_front();
        ++released;
      }
    }
    if (first) ++counters_.connected;
    counters_.acked += released;
  }
  incoming_.Clear();
  StartRead(&incoming_);
  WriteIfReady();
}

void SimulatedAgent::OnDone(const grpc::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    status_ = status;
  }
  if (!status.ok()) ++counters_.failed;
  ++counters_.ended;
  done_.store(true);
}

std::vector<int32_t> SimulatedAgent::TakeAckLatencies() {
  absl::MutexLock lock(&mu_);
  return std::move(ack_latencies_us_);
}

grpc::Status SimulatedAgent::final_status() {
  absl::MutexLock lock(&mu_);
  return status_;
}

}  // namespace otasuke::collector::bench
