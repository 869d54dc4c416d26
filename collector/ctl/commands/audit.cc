// otasukectl audit list: who did what, newest first.

#include <iostream>

#include "absl/strings/str_cat.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "otasuke/v1/audit_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

int AuditList(Invocation& in) {
  v1::ListAuditRequest request;
  if (auto stop = in.Parse(
          {TenantFlag(request.mutable_tenant_id()),
           {"action", "ACTION", "one action (incident.ack), or every action of a kind (incident.)",
            request.mutable_action()},
           in.LimitFlag()})) {
    return *stop;
  }
  request.set_limit(in.limit());
  v1::ListAuditResponse response;
  grpc::Status status = in.Call(&v1::AuditService::Stub::ListAudit, request, &response);
  return in.Reply(status, response, [&] {
    Table table({"ID", "AT", "ACTOR", "ACTION", "TENANT", "TARGET", "DETAIL"});
    for (const v1::AuditRecord& r : response.records()) {
      table.AddRow({absl::StrCat(r.id()), Time(r.at()), r.actor(), r.action(),
                    OrDash(r.tenant_id()), OrDash(r.target()), OrDash(r.detail())});
    }
    std::cout << table.Render();
  });
}

}  // namespace

std::span<const Command> AuditCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "audit",
       .verb = "list",
       .summary = "List the audit log, newest first: who (token, role, responder) did what.",
       .run = AuditList},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
