// otasukectl tenants create | update | show | list | import, regions set | list.

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/field_flags.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "common/files.h"
#include "otasuke/v1/tenancy_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

using Stub = v1::TenancyService::Stub;

// The SLA flags take durations (15m, 1h, 0 for no timer); the message holds seconds.
struct SlaFlags {
  std::string critical, high, medium, low;
};

std::vector<FieldFlag> TenantFields(v1::Tenant& t, SlaFlags& sla) {
  return {
      {{"name", "TEXT", "the SME's name", t.mutable_name()}, "name"},
      {{"region", "R", "region (e.g. a ward): picks the rota", t.mutable_region()}, "region"},
      {{"owner-name", "TEXT", "owner", t.mutable_owner()->mutable_name()}, "owner.name"},
      {{"owner-phone", "TEXT", "owner's phone", t.mutable_owner()->mutable_phone()}, "owner.phone"},
      {{"owner-email", "TEXT", "owner's e-mail", t.mutable_owner()->mutable_email()},
       "owner.email"},
      {{"owner-chat", "TEXT", "owner's chat handle", t.mutable_owner()->mutable_chat()},
       "owner.chat"},
      {{"secondary-name", "TEXT", "secondary contact", t.mutable_secondary()->mutable_name()},
       "secondary.name"},
      {{"secondary-phone", "TEXT", "secondary contact's phone",
        t.mutable_secondary()->mutable_phone()},
       "secondary.phone"},
      {{"secondary-email", "TEXT", "secondary contact's e-mail",
        t.mutable_secondary()->mutable_email()},
       "secondary.email"},
      {{"secondary-chat", "TEXT", "secondary contact's chat handle",
        t.mutable_secondary()->mutable_chat()},
       "secondary.chat"},
      {{"address", "TEXT", "site address for visits", t.mutable_address()}, "address"},
      {{"access-notes", "TEXT", "how to get in", t.mutable_access_notes()}, "access_notes"},
      {{"service-hours", "TEXT", "contract service hours (default 24x7)",
        t.mutable_service_hours()},
       "service_hours"},
      {{"containment", "POLICY", "approval or automatic", t.mutable_containment()}, "containment"},
      {{"dispatch-threshold", "SEVERITY", "lowest severity dispatched (default medium)",
        t.mutable_dispatch_threshold()},
       "dispatch_threshold"},
      {{"ack-sla-critical", "DURATION", "acknowledge SLA, critical (default 15m)", &sla.critical},
       "ack_sla.critical_seconds"},
      {{"ack-sla-high", "DURATION", "acknowledge SLA, high (default 15m)", &sla.high},
       "ack_sla.high_seconds"},
      {{"ack-sla-medium", "DURATION", "acknowledge SLA, medium (default 1h)", &sla.medium},
       "ack_sla.medium_seconds"},
      {{"ack-sla-low", "DURATION", "acknowledge SLA, low (default 0: reports only)", &sla.low},
       "ack_sla.low_seconds"},
  };
}

// Seconds of a duration flag ("15m", "1h", "0"); -1 when it is not one.
int64_t SlaSeconds(const std::string& text) {
  if (text.empty()) return 0;
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == "0" || lower == "none") return 0;
  absl::Duration d;
  if (!absl::ParseDuration(lower, &d) || d < absl::ZeroDuration()) return -1;
  return absl::ToInt64Seconds(d);
}

std::string SlaText(int64_t seconds) {
  return seconds == 0 ? "-" : absl::FormatDuration(absl::Seconds(seconds));
}

void PrintTenant(const v1::Tenant& t) {
  auto contact = [](const v1::Contact& c) {
    return c.name().empty() && c.phone().empty() && c.email().empty()
               ? std::string("-")
               : absl::StrCat(c.name(), " ", c.phone(), " ", c.email(),
                              c.chat().empty() ? "" : " " + c.chat());
  };
  std::cout << "tenant " << t.id() << " (" << t.name() << ")\n  region:     " << OrDash(t.region())
            << "\n  owner:      " << contact(t.owner())
            << "\n  secondary:  " << contact(t.secondary())
            << "\n  address:    " << OrDash(t.address())
            << "\n  access:     " << OrDash(t.access_notes())
            << "\n  hours:      " << t.service_hours() << "\n  ack SLA:    critical "
            << SlaText(t.ack_sla().critical_seconds()) << ", high "
            << SlaText(t.ack_sla().high_seconds()) << ", medium "
            << SlaText(t.ack_sla().medium_seconds()) << ", low "
            << SlaText(t.ack_sla().low_seconds()) << "\n  dispatch:   " << t.dispatch_threshold()
            << " and above\n  containment: " << t.containment() << "\n";
}

int ChangeTenant(Invocation& in,
                 grpc::Status (Stub::*method)(grpc::ClientContext*, const v1::TenantChange&,
                                              v1::Tenant*)) {
  v1::TenantChange change;
  SlaFlags sla;
  std::vector<FieldFlag> fields = TenantFields(*change.mutable_tenant(), sla);
  if (auto stop = in.Parse(FlagsOf(fields), {.min = 1, .max = 1})) return *stop;
  change.mutable_tenant()->set_id(in.args()[0]);
  *change.mutable_fields() = GivenFields(in, fields);
  v1::AckSla* out = change.mutable_tenant()->mutable_ack_sla();
  const std::pair<const std::string*, void (v1::AckSla::*)(int64_t)> durations[] = {
      {&sla.critical, &v1::AckSla::set_critical_seconds},
      {&sla.high, &v1::AckSla::set_high_seconds},
      {&sla.medium, &v1::AckSla::set_medium_seconds},
      {&sla.low, &v1::AckSla::set_low_seconds}};
  for (const auto& [text, set] : durations) {
    int64_t seconds = SlaSeconds(*text);
    if (seconds < 0) {
      return in.UsageError(
          absl::StrCat("'", *text, "' is not a duration (e.g. 15m, 1h, 0 for no timer)"));
    }
    (out->*set)(seconds);
  }
  v1::Tenant response;
  grpc::Status status = in.Call(method, change, &response);
  return in.Reply(status, response, [&] { PrintTenant(response); });
}

int TenantsCreate(Invocation& in) { return ChangeTenant(in, &Stub::CreateTenant); }
int TenantsUpdate(Invocation& in) { return ChangeTenant(in, &Stub::UpdateTenant); }

int TenantsShow(Invocation& in) {
  if (auto stop = in.Parse({}, {.min = 1, .max = 1})) return *stop;
  v1::GetTenantRequest request;
  request.set_id(in.args()[0]);
  v1::Tenant response;
  grpc::Status status = in.Call(&Stub::GetTenant, request, &response);
  return in.Reply(status, response, [&] { PrintTenant(response); });
}

int TenantsList(Invocation& in) {
  if (auto stop = in.Parse({})) return *stop;
  v1::ListTenantsResponse response;
  grpc::Status status = in.Call(&Stub::ListTenants, {}, &response);
  return in.Reply(status, response, [&] {
    Table table({"ID", "NAME", "REGION", "OWNER", "PHONE", "DISPATCH", "ACK SLA C/H/M/L"});
    for (const v1::Tenant& t : response.tenants()) {
      const v1::AckSla& sla = t.ack_sla();
      table.AddRow(
          {t.id(), t.name(), OrDash(t.region()), OrDash(t.owner().name()),
           OrDash(t.owner().phone()), t.dispatch_threshold(),
           absl::StrCat(SlaText(sla.critical_seconds()), "/", SlaText(sla.high_seconds()), "/",
                        SlaText(sla.medium_seconds()), "/", SlaText(sla.low_seconds()))});
    }
    std::cout << table.Render();
  });
}

int TenantsImport(Invocation& in) {
  if (auto stop = in.Parse({}, {.min = 1, .max = -1})) return *stop;
  v1::ImportRequest request;
  for (const std::string& path : in.args()) {
    absl::StatusOr<std::string> content = ReadFile(path);
    if (!content.ok()) return in.UsageError(content.status().message());
    v1::ImportFile* file = request.add_files();
    file->set_name(path);
    file->set_content(*std::move(content));
  }
  v1::ImportResponse response;
  grpc::Status status = in.Call(&Stub::Import, request, &response);
  return in.Reply(status, response, [&] {
    std::cout << "imported " << response.regions() << " region(s), " << response.tenants()
              << " tenant(s), " << response.responders() << " responder(s), "
              << response.rota_entries() << " rota entr"
              << (response.rota_entries() == 1 ? "y" : "ies") << "\n";
  });
}

int RegionsSet(Invocation& in) {
  v1::Region request;
  if (auto stop = in.Parse({{"time-zone", "TZ",
                             "IANA time zone of its weekly rota (default "
                             "Asia/Tokyo)",
                             request.mutable_time_zone()}},
                           {.min = 1, .max = 1})) {
    return *stop;
  }
  request.set_name(in.args()[0]);
  v1::Region response;
  grpc::Status status = in.Call(&Stub::SetRegion, request, &response);
  return in.Reply(status, response, [&] {
    std::cout << "region " << response.name() << " (" << response.time_zone() << ")\n";
  });
}

int RegionsList(Invocation& in) {
  if (auto stop = in.Parse({})) return *stop;
  v1::ListRegionsResponse response;
  grpc::Status status = in.Call(&Stub::ListRegions, {}, &response);
  return in.Reply(status, response, [&] {
    Table table({"REGION", "TIME ZONE"});
    for (const v1::Region& r : response.regions()) table.AddRow({r.name(), r.time_zone()});
    std::cout << table.Render();
  });
}

}  // namespace

std::span<const Command> TenantCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "tenants",
       .verb = "create",
       .args = "ID",
       .summary = "Register an SME: contacts, address, region, SLA, containment policy.",
       .run = TenantsCreate},
      {.noun = "tenants",
       .verb = "update",
       .args = "ID",
       .summary = "Change the given fields of a tenant; the others stay.",
       .run = TenantsUpdate},
      {.noun = "tenants",
       .verb = "show",
       .args = "ID",
       .summary = "Show a tenant.",
       .run = TenantsShow},
      {.noun = "tenants", .verb = "list", .summary = "List tenants.", .run = TenantsList},
      {.noun = "tenants",
       .verb = "import",
       .args = "FILE...",
       .summary = "Import regions, tenants, responders and rotas from YAML or CSV files, all or "
                  "nothing.",
       .run = TenantsImport},
      {.noun = "regions",
       .verb = "set",
       .args = "NAME",
       .summary = "Create a region or change its time zone.",
       .run = RegionsSet},
      {.noun = "regions", .verb = "list", .summary = "List regions.", .run = RegionsList},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
