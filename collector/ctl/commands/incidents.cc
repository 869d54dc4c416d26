// otasukectl incidents list.

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

int IncidentsList(Invocation& in) {
  v1::ListIncidentsRequest request;
  if (auto stop = in.Parse({TenantFlag(request.mutable_tenant_id()), in.LimitFlag()})) {
    return *stop;
  }
  request.set_limit(in.limit());
  v1::ListIncidentsResponse response;
  grpc::Status status = in.Call(&v1::ConsoleService::Stub::ListIncidents, request, &response);
  return in.Reply(status, response, [&] {
    Table table({"ID", "SEVERITY", "STATE", "ALERTS", "TENANT", "HOST", "FIRST SEEN", "LAST SEEN",
                 "TITLE"});
    for (const v1::Incident& incident : response.incidents()) {
      table.AddRow({absl::StrCat(incident.id()), collector::SeverityName(incident.severity()),
                    collector::IncidentStateName(incident.state()),
                    absl::StrCat(incident.alert_count()), incident.tenant_id(), incident.hostname(),
                    Time(incident.first_seen()), Time(incident.last_seen()), incident.title()});
    }
    std::cout << table.Render();
  });
}

}  // namespace

std::span<const Command> IncidentCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "incidents",
       .verb = "list",
       .summary = "List incidents, newest first.",
       .run = IncidentsList},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
