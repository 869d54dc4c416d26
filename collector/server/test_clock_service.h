#pragma once
// TestClockService: served only by a collector started with --clock manual (insecure loopback
// mode, for scenario tests). Its clock stands still until an admin moves it forward; then
// `on_advanced` runs (dispatch fires the timers now due, the notifier is woken) before the call
// returns, so a test sees the escalation without sleeping for the SLA.

#include <grpcpp/grpcpp.h>

#include <functional>

#include "collector/auth/authenticator.h"
#include "collector/server/worker_pool.h"
#include "common/clock.h"
#include "otasuke/v1/report_service.grpc.pb.h"

namespace otasuke::collector {

class TestClockServiceImpl final : public v1::TestClockService::CallbackService {
 public:
  TestClockServiceImpl(ManualClock& clock, std::function<absl::Status()> on_advanced,
                       WorkerPool& pool, const Authenticator& authenticator)
      : clock_(clock),
        on_advanced_(std::move(on_advanced)),
        pool_(pool),
        authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* AdvanceClock(grpc::CallbackServerContext* context,
                                         const v1::AdvanceClockRequest* request,
                                         v1::AdvanceClockResponse* response) override;

 private:
  ManualClock& clock_;
  const std::function<absl::Status()> on_advanced_;
  WorkerPool& pool_;
  const Authenticator& authenticator_;
};

}  // namespace otasuke::collector
