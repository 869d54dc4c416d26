// otasukectl tokens create | list | revoke: the console tokens people authenticate with.

#include <iostream>

#include "absl/time/time.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "otasuke/v1/identity_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

int TokensCreate(Invocation& in) {
  v1::CreateConsoleTokenRequest request;
  std::string ttl_text;
  if (auto stop = in.Parse(
          {{"role", "ROLE", "admin, lead, responder or viewer (viewer needs --tenant)",
            request.mutable_role()},
           TenantFlag(request.mutable_tenant_id(), "the one tenant a viewer may see"),
           {"ttl", "DURATION", "lifetime such as 24h (default: never expires)", &ttl_text},
           {"responder", "HANDLE", "the responder the token belongs to (named in the audit log)",
            request.mutable_responder()}},
          {.min = 1, .max = 1})) {
    return *stop;
  }
  request.set_name(in.args()[0]);
  absl::Duration ttl = absl::ZeroDuration();
  if (!ttl_text.empty() && (!absl::ParseDuration(ttl_text, &ttl) || ttl <= absl::ZeroDuration())) {
    return in.UsageError(
        absl::StrCat("--ttl '", ttl_text, "' is not a positive duration such as 24h or 90m"));
  }
  request.set_ttl_seconds(absl::ToInt64Seconds(ttl));
  v1::CreateConsoleTokenResponse response;
  grpc::Status status =
      in.Call(&v1::IdentityAdminService::Stub::CreateConsoleToken, request, &response);
  return in.Reply(status, response, [&] {
    std::cerr << "created console token '" << response.token().name() << "' (role "
              << response.token().role() << "); its secret is shown only now:\n";
    std::cout << response.secret() << "\n";
  });
}

int TokensList(Invocation& in) {
  if (auto stop = in.Parse({})) return *stop;
  v1::ListConsoleTokensResponse response;
  grpc::Status status = in.Call(&v1::IdentityAdminService::Stub::ListConsoleTokens, {}, &response);
  return in.Reply(status, response, [&] {
    Table table({"NAME", "ROLE", "TENANT", "RESPONDER", "CREATED", "BY", "EXPIRES", "REVOKED"});
    for (const v1::ConsoleToken& token : response.tokens()) {
      table.AddRow({token.name(), token.role(), OrDash(token.tenant_id()),
                    OrDash(token.responder()), Time(token.created_at()), token.created_by(),
                    token.has_expires_at() ? Time(token.expires_at()) : "never",
                    token.has_revoked_at() ? Time(token.revoked_at()) : "-"});
    }
    std::cout << table.Render();
  });
}

int TokensRevoke(Invocation& in) {
  if (auto stop = in.Parse({}, {.min = 1, .max = 1})) return *stop;
  v1::RevokeConsoleTokenRequest request;
  request.set_name(in.args()[0]);
  v1::RevokeConsoleTokenResponse response;
  grpc::Status status =
      in.Call(&v1::IdentityAdminService::Stub::RevokeConsoleToken, request, &response);
  // The response is empty: --json echoes what was revoked.
  return in.Reply(status, request,
                  [&] { std::cout << "revoked console token '" << request.name() << "'\n"; });
}

}  // namespace

std::span<const Command> TokenCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "tokens",
       .verb = "create",
       .args = "NAME",
       .summary = "Create a console token with a role; prints its secret once.",
       .run = TokensCreate},
      {.noun = "tokens", .verb = "list", .summary = "List console tokens.", .run = TokensList},
      {.noun = "tokens",
       .verb = "revoke",
       .args = "NAME",
       .summary = "Revoke a console token.",
       .run = TokensRevoke},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
