// otasukectl alerts list.

#include <iostream>

#include "absl/strings/str_cat.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "collector/notify/payload.h"
#include "otasuke/v1/console_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

int AlertsList(Invocation& in) {
  v1::ListAlertsRequest request;
  if (auto stop = in.Parse({TenantFlag(request.mutable_tenant_id()),
                            {"agent", "A", "alerts of this agent only", request.mutable_agent_id()},
                            in.LimitFlag()})) {
    return *stop;
  }
  request.set_limit(in.limit());
  v1::ListAlertsResponse response;
  grpc::Status status = in.Call(&v1::ConsoleService::Stub::ListAlerts, request, &response);
  return in.Reply(status, response, [&] {
    Table table({"DETECTED", "SEVERITY", "HOST", "USER", "RULE", "TITLE", "AGENT", "SEQ"});
    for (const v1::Alert& alert : response.alerts()) {
      table.AddRow(
          {Time(alert.detection_time()), collector::SeverityName(alert.severity()),
           alert.hostname(), OrDash(alert.process().user()),
           absl::StrCat(collector::EngineName(alert.rule().engine()), ":", alert.rule().rule_id()),
           alert.title(), alert.agent_id(), absl::StrCat(alert.sequence())});
    }
    std::cout << table.Render();
  });
}

}  // namespace

std::span<const Command> AlertCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "alerts",
       .verb = "list",
       .summary = "List alerts, newest first.",
       .run = AlertsList},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
