// otasukectl agents list | agents revoke AGENT.

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "otasuke/v1/console_service.grpc.pb.h"
#include "otasuke/v1/identity_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

int AgentsList(Invocation& in) {
  v1::ListAgentsRequest request;
  if (auto stop = in.Parse({TenantFlag(request.mutable_tenant_id())})) return *stop;
  v1::ListAgentsResponse response;
  grpc::Status status = in.Call(&v1::ConsoleService::Stub::ListAgents, request, &response);
  return in.Reply(status, response, [&] {
    Table table({"AGENT", "TENANT", "HOSTNAME", "PROFILE", "CONNECTED", "RULESET", "ACKED SEQ",
                 "LAST SEEN"});
    for (const v1::AgentInfo& agent : response.agents()) {
      std::string profile = v1::Profile_Name(agent.profile());
      table.AddRow({agent.agent_id(), agent.tenant_id(), agent.hostname(),
                    absl::AsciiStrToLower(profile.substr(std::min<size_t>(8, profile.size()))),
                    agent.connected() ? "yes" : "no", OrDash(agent.ruleset_version()),
                    absl::StrCat(agent.acked_sequence()), Time(agent.last_seen())});
    }
    std::cout << table.Render();
  });
}

int AgentsRevoke(Invocation& in) {
  v1::RevokeAgentRequest request;
  if (auto stop =
          in.Parse({{"reason", "TEXT", "why (kept in the audit log)", request.mutable_reason()}},
                   {.min = 1, .max = 1})) {
    return *stop;
  }
  request.set_agent_id(in.args()[0]);
  v1::RevokeAgentResponse response;
  grpc::Status status = in.Call(&v1::IdentityAdminService::Stub::RevokeAgent, request, &response);
  return in.Reply(status, response, [&] {
    std::cout << "revoked agent " << request.agent_id()
              << (response.stream_closed() ? "; its stream was closed" : " (it was not connected)")
              << "; the collector refuses it from now on\n";
  });
}

}  // namespace

std::span<const Command> AgentCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "agents",
       .verb = "list",
       .summary = "List agents: tenant, host, connection, rule set, acknowledged sequence.",
       .run = AgentsList},
      {.noun = "agents",
       .verb = "revoke",
       .args = "AGENT",
       .summary = "Revoke an agent's identity: its stream is closed and it is refused from now on.",
       .run = AgentsRevoke},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
