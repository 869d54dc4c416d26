#pragma once
// One simulated agent of the collector load generator: a real AgentService.Connect stream on
// gRPC's callback API (so ten thousand of them need no thread each) that behaves like the
// agent's transport: Hello first, then alert batches of at most `batch` alerts while at most
// `max_in_flight` alerts are unacknowledged; an Ack releases every alert up to its sequence.
// Alerts are "created" by Generate() (the detector's moment) and only built into protobufs when
// a batch is written, so a waiting agent holds 16 bytes per alert.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/collector/load_alerts.h"
#include "otasuke/v1/agent_service.grpc.pb.h"

namespace otasuke::collector::bench {

struct AgentPlan {
  std::string agent_id;
  std::string tenant_id;
  std::string hostname;
  int batch = 100;
  int max_in_flight = 2048;  // the agent's queue.max_in_flight
};

// Counters shared by every simulated agent of a run.
struct FleetCounters {
  std::atomic<int64_t> connected{0};  // streams whose Hello was acknowledged
  std::atomic<int64_t> sent{0};       // alerts written to a stream
  std::atomic<int64_t> acked{0};      // alerts covered by an Ack (durable at the collector)
  std::atomic<int64_t> ended{0};      // streams that ended (any status)
  std::atomic<int64_t> failed{0};     // streams that ended with a status other than OK
};

class SimulatedAgent final
    : public grpc::ClientBidiReactor<v1::AgentMessage, v1::CollectorMessage> {
 public:
  SimulatedAgent(AgentPlan plan, AlertFactory& factory, FleetCounters& counters,
                 bool record_ack_latency);

  // Opens the stream on `stub` and sends Hello.
  void Start(v1::AgentService::Stub& stub);
  // Creates `count` alerts now; they are sent as the in-flight limit allows. Any thread.
  void Generate(int count);
  // Half-closes once every generated alert is acknowledged (at once when none is waiting).
  void FinishWhenAcked();
  // Cancels the stream.
  void Cancel() { context_.TryCancel(); }
  bool done() const { return done_.load(); }
  // Alert creation -> Ack delays in microseconds (when recording was asked for).
  std::vector<int32_t> TakeAckLatencies();
  grpc::Status final_status();

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  struct Pending {
    uint64_t sequence;
    absl::Time created;
  };
  // Fills outgoing_ with the next batch if one may be written now; false when not.
  bool PrepareWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriteIfReady();

  const AgentPlan plan_;
  AlertFactory& factory_;
  FleetCounters& counters_;
  const bool record_ack_latency_;
  grpc::ClientContext context_;
  v1::CollectorMessage incoming_;  // owned by the single outstanding read
  v1::AgentMessage outgoing_;      // owned by the outstanding write while write_in_flight_
  std::atomic<bool> done_{false};

  absl::Mutex mu_;
  bool hello_acked_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_when_acked_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<Pending> waiting_ ABSL_GUARDED_BY(mu_);  // created, not yet written
  std::deque<Pending> unacked_ ABSL_GUARDED_BY(mu_);  // written, not yet acknowledged
  std::vector<int32_t> ack_latencies_us_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace otasuke::collector::bench
