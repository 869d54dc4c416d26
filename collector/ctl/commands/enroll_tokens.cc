// otasukectl enroll-tokens create | list: single-use tokens with which agents enroll.

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "otasuke/v1/identity_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

int EnrollTokensCreate(Invocation& in) {
  v1::CreateEnrollmentTokenRequest request;
  std::string ttl_text;
  if (auto stop = in.Parse(
          {TenantFlag(request.mutable_tenant_id(), "the tenant the agent will belong to"),
           {"ttl", "DURATION", "how long the token can be used, such as 24h", &ttl_text}})) {
    return *stop;
  }
  absl::Duration ttl;
  if (request.tenant_id().empty() || ttl_text.empty() || !absl::ParseDuration(ttl_text, &ttl) ||
      ttl <= absl::ZeroDuration()) {
    return in.UsageError("enroll-tokens create needs --tenant T and --ttl D (such as 24h)");
  }
  request.set_ttl_seconds(absl::ToInt64Seconds(ttl));
  v1::CreateEnrollmentTokenResponse response;
  grpc::Status status =
      in.Call(&v1::IdentityAdminService::Stub::CreateEnrollmentToken, request, &response);
  return in.Reply(status, response, [&] {
    std::cerr << "enrollment token " << response.token().id() << " for tenant "
              << response.token().tenant_id() << ", single use, expires "
              << Time(response.token().expires_at()) << ". On the SME machine run:\n"
              << "  otasuke-agent enroll --collector " << in.common().collector << " --token "
              << response.secret() << " --ca-fingerprint " << response.ca_fingerprint() << "\n";
    std::cout << response.secret() << "\n";
  });
}

int EnrollTokensList(Invocation& in) {
  if (auto stop = in.Parse({})) return *stop;
  v1::ListEnrollmentTokensResponse response;
  grpc::Status status =
      in.Call(&v1::IdentityAdminService::Stub::ListEnrollmentTokens, {}, &response);
  return in.Reply(status, response, [&] {
    Table table({"ID", "TENANT", "CREATED", "BY", "EXPIRES", "USED", "AGENT"});
    for (const v1::EnrollmentToken& token : response.tokens()) {
      table.AddRow({absl::StrCat(token.id()), token.tenant_id(), Time(token.created_at()),
                    token.created_by(), Time(token.expires_at()),
                    token.has_used_at() ? Time(token.used_at()) : "-",
                    OrDash(token.used_by_agent())});
    }
    std::cout << table.Render();
  });
}

}  // namespace

std::span<const Command> EnrollTokenCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "enroll-tokens",
       .verb = "create",
       .summary = "Create a single-use enrollment token for one agent of a tenant.",
       .run = EnrollTokensCreate},
      {.noun = "enroll-tokens",
       .verb = "list",
       .summary = "List enrollment tokens and which agent used each.",
       .run = EnrollTokensList},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
