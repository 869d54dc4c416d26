// otasukectl notifications list: what the collector sent to whom, and what failed.

#include <iostream>

#include "absl/strings/str_cat.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "otasuke/v1/notification_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

int NotificationsList(Invocation& in) {
  v1::ListNotificationsRequest request;
  if (auto stop = in.Parse({TenantFlag(request.mutable_tenant_id()),
                            {"state", "S", "pending, sent or failed", request.mutable_state()},
                            in.LimitFlag()})) {
    return *stop;
  }
  request.set_limit(in.limit());
  v1::ListNotificationsResponse response;
  grpc::Status status =
      in.Call(&v1::NotificationService::Stub::ListNotifications, request, &response);
  return in.Reply(status, response, [&] {
    Table table({"ID", "INCIDENT", "TENANT", "CHANNEL", "STATE", "ATTEMPTS", "UPDATED", "TARGET",
                 "LAST ERROR"});
    for (const v1::NotificationInfo& n : response.notifications()) {
      table.AddRow({absl::StrCat(n.id()), absl::StrCat(n.incident_id()), n.tenant_id(), n.channel(),
                    n.state(), absl::StrCat(n.attempts()), Time(n.updated_at()), n.target(),
                    OrDash(n.last_error())});
    }
    std::cout << table.Render();
  });
}

}  // namespace

std::span<const Command> NotificationCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "notifications",
       .verb = "list",
       .summary = "List notifications with channel, state, attempts and last error.",
       .run = NotificationsList},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
