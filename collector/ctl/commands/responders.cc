// otasukectl responders create | update | show | list.

#include <iostream>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/field_flags.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "otasuke/v1/tenancy_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

using Stub = v1::TenancyService::Stub;

// The list flags take comma-separated values.
struct ListFlags {
  std::string regions, skills;
};

std::vector<FieldFlag> ResponderFields(v1::Responder& r, ListFlags& lists) {
  return {
      {{"name", "TEXT", "full name", r.mutable_name()}, "name"},
      {{"role", "ROLE", "responder, lead, admin or viewer (default responder)", r.mutable_role()},
       "role"},
      {{"regions", "R1,R2", "regions covered (a lead is escalated to in these)", &lists.regions},
       "regions"},
      {{"skills", "S1,S2", "skills (endpoint, network, ...) ranked by dispatch", &lists.skills},
       "skills"},
      {{"email", "ADDR", "e-mail", r.mutable_email()}, "email"},
      {{"phone", "NUMBER", "phone", r.mutable_phone()}, "phone"},
      {{"chat", "HANDLE", "chat handle", r.mutable_chat()}, "chat"},
      {{"webhook", "URL", "where dispatch notifications are POSTed", r.mutable_webhook()},
       "webhook"},
      {{"viewer-tenant", "T", "role viewer: the one tenant it may see",
        r.mutable_viewer_tenant_id()},
       "viewer_tenant_id"},
  };
}

void SetList(const std::string& text, google::protobuf::RepeatedPtrField<std::string>* out) {
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    out->Add(std::string(absl::StripAsciiWhitespace(item)));
  }
}

void PrintResponder(const v1::Responder& r) {
  std::cout << "responder " << r.handle() << " (" << r.name() << ", " << r.role()
            << ")\n  regions: " << OrDash(absl::StrJoin(r.regions(), ", "))
            << "\n  skills:  " << OrDash(absl::StrJoin(r.skills(), ", "))
            << "\n  email:   " << OrDash(r.email()) << "\n  phone:   " << OrDash(r.phone())
            << "\n  chat:    " << OrDash(r.chat()) << "\n  webhook: " << OrDash(r.webhook())
            << (r.viewer_tenant_id().empty() ? "" : "\n  tenant:  " + r.viewer_tenant_id()) << "\n";
}

int ChangeResponder(Invocation& in,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const v1::ResponderChange&,
                                                 v1::Responder*)) {
  v1::ResponderChange change;
  ListFlags lists;
  std::vector<FieldFlag> fields = ResponderFields(*change.mutable_responder(), lists);
  if (auto stop = in.Parse(FlagsOf(fields), {.min = 1, .max = 1})) return *stop;
  change.mutable_responder()->set_handle(in.args()[0]);
  *change.mutable_fields() = GivenFields(in, fields);
  SetList(lists.regions, change.mutable_responder()->mutable_regions());
  SetList(lists.skills, change.mutable_responder()->mutable_skills());
  v1::Responder response;
  grpc::Status status = in.Call(method, change, &response);
  return in.Reply(status, response, [&] { PrintResponder(response); });
}

int RespondersCreate(Invocation& in) { return ChangeResponder(in, &Stub::CreateResponder); }
int RespondersUpdate(Invocation& in) { return ChangeResponder(in, &Stub::UpdateResponder); }

int RespondersShow(Invocation& in) {
  if (auto stop = in.Parse({}, {.min = 1, .max = 1})) return *stop;
  v1::GetResponderRequest request;
  request.set_handle(in.args()[0]);
  v1::Responder response;
  grpc::Status status = in.Call(&Stub::GetResponder, request, &response);
  return in.Reply(status, response, [&] { PrintResponder(response); });
}

int RespondersList(Invocation& in) {
  if (auto stop = in.Parse({})) return *stop;
  v1::ListRespondersResponse response;
  grpc::Status status = in.Call(&Stub::ListResponders, {}, &response);
  return in.Reply(status, response, [&] {
    Table table({"HANDLE", "NAME", "ROLE", "REGIONS", "SKILLS", "PHONE", "WEBHOOK"});
    for (const v1::Responder& r : response.responders()) {
      table.AddRow({r.handle(), r.name(), r.role(), OrDash(absl::StrJoin(r.regions(), ",")),
                    OrDash(absl::StrJoin(r.skills(), ",")), OrDash(r.phone()),
                    OrDash(r.webhook())});
    }
    std::cout << table.Render();
  });
}

}  // namespace

std::span<const Command> ResponderCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "responders",
       .verb = "create",
       .args = "HANDLE",
       .summary = "Add a responder: role, regions, skills, contact channels.",
       .run = RespondersCreate},
      {.noun = "responders",
       .verb = "update",
       .args = "HANDLE",
       .summary = "Change the given fields of a responder; the others stay.",
       .run = RespondersUpdate},
      {.noun = "responders",
       .verb = "show",
       .args = "HANDLE",
       .summary = "Show a responder.",
       .run = RespondersShow},
      {.noun = "responders", .verb = "list", .summary = "List responders.", .run = RespondersList},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
