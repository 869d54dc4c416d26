// otasukectl rules push FILE|DIR...

#include <iostream>

#include "collector/ctl/commands/commands.h"
#include "collector/ctl/connection.h"
#include "collector/ctl/invocation.h"
#include "common/rule_bundle.h"
#include "otasuke/v1/console_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

int RulesPush(Invocation& in) {
  v1::PushRuleSetRequest request;
  std::string version;
  if (auto stop =
          in.Parse({TenantFlag(request.mutable_tenant_id(), "only this tenant's agents"),
                    {"version", "V", "rule set version (default: derived from the files' content)",
                     &version}},
                   {.min = 1, .max = -1})) {
    return *stop;
  }
  absl::StatusOr<v1::RuleSet> ruleset =
      LoadRuleBundle(in.args(), version, kMaxMessageBytes - (64 << 10));
  if (!ruleset.ok()) return in.UsageError(ruleset.status().message());
  *request.mutable_ruleset() = *ruleset;
  v1::PushRuleSetResponse response;
  grpc::Status status = in.Call(&v1::ConsoleService::Stub::PushRuleSet, request, &response);
  return in.Reply(status, response, [&] {
    std::cout << "pushed rule set " << response.version() << " (" << ruleset->files_size()
              << " file(s)) to "
              << (request.tenant_id().empty() ? "all tenants" : "tenant " + request.tenant_id())
              << "; sent now to " << response.agents_notified()
              << " connected agent(s), others get it when they connect\n";
  });
}

}  // namespace

std::span<const Command> RuleCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "rules",
       .verb = "push",
       .args = "FILE|DIR...",
       .summary = "Push a rule set to the agents. Formats by extension: .yml/.yaml Sigma, "
                  ".rules Suricata, .ioc IOC list.",
       .run = RulesPush},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
