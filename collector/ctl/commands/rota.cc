// otasukectl rota add | remove | list | oncall.

#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "google/protobuf/util/time_util.h"
#include "otasuke/v1/tenancy_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

using Stub = v1::TenancyService::Stub;
using google::protobuf::util::TimeUtil;

// An RFC 3339 time with its offset ("2026-11-23T09:00:00+09:00") into `out`.
bool ParseTimeFlag(const std::string& text, google::protobuf::Timestamp* out) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) return false;
  *out = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
  return true;
}

std::string When(const v1::RotaEntry& e) {
  if (!e.weekday().empty()) return absl::StrCat(e.weekday(), " ", e.start(), "-", e.end());
  return absl::StrCat("override ", Time(e.starts_at()), " .. ", Time(e.ends_at()));
}

int RotaAdd(Invocation& in) {
  v1::AddRotaEntryRequest request;
  v1::RotaEntry& e = *request.mutable_entry();
  std::string from, until;
  if (auto stop = in.Parse(
          {{"region", "R", "the region whose rota this is", e.mutable_region()},
           {"responder", "HANDLE", "who is on call", e.mutable_responder()},
           {"tier", "TIER", "primary (default) or secondary", e.mutable_tier()},
           {"weekday", "DAY", "weekly entry: mon..sun", e.mutable_weekday()},
           {"start", "HH:MM", "weekly entry: start, in the region's time zone", e.mutable_start()},
           {"end", "HH:MM", "weekly entry: end (24:00 allowed)", e.mutable_end()},
           {"from", "TIME", "override: start, RFC 3339 (2026-11-23T09:00:00+09:00)", &from},
           {"until", "TIME", "override: end, RFC 3339", &until}})) {
    return *stop;
  }
  if (!from.empty() && !ParseTimeFlag(from, e.mutable_starts_at())) {
    return in.UsageError(absl::StrCat("--from '", from, "' is not an RFC 3339 time with offset"));
  }
  if (!until.empty() && !ParseTimeFlag(until, e.mutable_ends_at())) {
    return in.UsageError(absl::StrCat("--until '", until, "' is not an RFC 3339 time with offset"));
  }
  v1::RotaEntry response;
  grpc::Status status = in.Call(&Stub::AddRotaEntry, request, &response);
  return in.Reply(status, response, [&] {
    std::cout << "rota entry #" << response.id() << ": " << response.region() << " "
              << response.tier() << " " << When(response) << " " << response.responder() << "\n";
  });
}

int RotaRemove(Invocation& in) {
  if (auto stop = in.Parse({}, {.min = 1, .max = 1})) return *stop;
  v1::RemoveRotaEntryRequest request;
  int64_t id = 0;
  if (!absl::SimpleAtoi(in.args()[0], &id) || id <= 0) {
    return in.UsageError("give one rota entry id (a positive number, see rota list)");
  }
  request.set_id(id);
  v1::RemoveRotaEntryResponse response;
  grpc::Status status = in.Call(&Stub::RemoveRotaEntry, request, &response);
  return in.Reply(status, response,
                  [&] { std::cout << "removed rota entry #" << response.id() << "\n"; });
}

int RotaList(Invocation& in) {
  v1::ListRotaRequest request;
  if (auto stop = in.Parse({{"region", "R", "only this region", request.mutable_region()}})) {
    return *stop;
  }
  v1::ListRotaResponse response;
  grpc::Status status = in.Call(&Stub::ListRota, request, &response);
  return in.Reply(status, response, [&] {
    Table table({"ID", "REGION", "TIER", "WHEN", "RESPONDER"});
    for (const v1::RotaEntry& e : response.entries()) {
      table.AddRow({absl::StrCat(e.id()), e.region(), e.tier(), When(e), e.responder()});
    }
    std::cout << table.Render();
  });
}

int RotaOnCall(Invocation& in) {
  v1::OnCallRequest request;
  std::string at;
  if (auto stop = in.Parse({TenantFlag(request.mutable_tenant_id(), "the tenant"),
                            {"at", "TIME", "RFC 3339 time (default: now)", &at}})) {
    return *stop;
  }
  if (request.tenant_id().empty()) return in.UsageError("rota oncall needs --tenant T");
  if (!at.empty() && !ParseTimeFlag(at, request.mutable_at())) {
    return in.UsageError(absl::StrCat("--at '", at, "' is not an RFC 3339 time with offset"));
  }
  v1::OnCallResponse response;
  grpc::Status status = in.Call(&Stub::OnCall, request, &response);
  return in.Reply(status, response, [&] {
    std::cout << "on call for " << response.tenant_id() << " (region " << OrDash(response.region())
              << ") at " << Time(response.at()) << ":\n";
    Table table({"RUNG", "HANDLE", "NAME", "PHONE", "WEBHOOK"});
    auto add = [&](std::string_view rung,
                   const google::protobuf::RepeatedPtrField<v1::Responder>& list) {
      for (const v1::Responder& r : list) {
        table.AddRow(
            {std::string(rung), r.handle(), r.name(), OrDash(r.phone()), OrDash(r.webhook())});
      }
    };
    add("primary", response.primary());
    add("secondary", response.secondary());
    add("lead", response.leads());
    std::cout << table.Render();
  });
}

}  // namespace

std::span<const Command> RotaCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "rota",
       .verb = "add",
       .summary = "Add a weekly rota entry (--weekday --start --end) or an override (--from "
                  "--until).",
       .run = RotaAdd},
      {.noun = "rota",
       .verb = "remove",
       .args = "ID",
       .summary = "Remove a rota entry.",
       .run = RotaRemove},
      {.noun = "rota", .verb = "list", .summary = "List rota entries.", .run = RotaList},
      {.noun = "rota",
       .verb = "oncall",
       .summary = "Who is on call for a tenant now (or --at TIME), in escalation order.",
       .run = RotaOnCall},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
