#include "collector/server/test_clock_service.h"

#include "absl/strings/str_cat.h"
#include "collector/auth/permissions.h"
#include "collector/server/authorized_call.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace otasuke::collector {

grpc::ServerUnaryReactor* TestClockServiceImpl::AdvanceClock(grpc::CallbackServerContext* context,
                                                             const v1::AdvanceClockRequest* request,
                                                             v1::AdvanceClockResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kAdvanceTestClock, ""));
        if (request->has_by() == request->has_to()) {
          return absl::InvalidArgumentError("give exactly one of by (a duration) and to (a time)");
        }
        const absl::Time now = clock_.Now();
        absl::Time target = request->has_by() ? now + absl::Seconds(request->by().seconds()) +
                                                    absl::Nanoseconds(request->by().nanos())
                                              : absl::FromUnixSeconds(request->to().seconds()) +
                                                    absl::Nanoseconds(request->to().nanos());
        if (target < now) {
          return absl::InvalidArgumentError(
              absl::StrCat("the clock only moves forward: ", absl::FormatTime(target),
                           " is before its time ", absl::FormatTime(now)));
        }
        clock_.Set(target);
        LOG_INFO("manual clock set to %s by %s", absl::FormatTime(target), caller.Actor());
        RETURN_IF_ERROR(on_advanced_());
        response->mutable_now()->set_seconds(absl::ToUnixSeconds(target));
        response->mutable_now()->set_nanos(static_cast<int32_t>(
            (target - absl::FromUnixSeconds(absl::ToUnixSeconds(target))) / absl::Nanoseconds(1)));
        return absl::OkStatus();
      });
}

}  // namespace otasuke::collector
