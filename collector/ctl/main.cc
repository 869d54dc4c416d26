// otasukectl: the helper team's command line for the collector's ConsoleService.
//
//   otasukectl [--collector HOST:PORT] agents list [--tenant T] [--json]
//   otasukectl alerts list [--tenant T] [--agent A] [--limit N] [--json]
//   otasukectl incidents list [--tenant T] [--limit N] [--json]
//   otasukectl rules push FILE|DIR... [--version V] [--tenant T] [--json]

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <span>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/rule_bundle.h"
#include "collector/ctl/table.h"
#include "collector/notify/payload.h"
#include "common/cli.h"
#include "common/strings.h"
#include "google/protobuf/util/json_util.h"
#include "otasuke/v1/console_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // the collector refused or failed the request
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;
constexpr int kMaxMessageBytes = 64 << 20;

struct Options {
  std::string collector;
  std::string tenant;
  std::string agent;
  std::string version;
  int64_t limit = 0;
  int64_t timeout_seconds = 10;
  bool json = false;
  bool help = false;
};

struct Context {
  Options options;
  std::vector<std::string> args;  // after the two command words
  std::unique_ptr<v1::ConsoleService::Stub> stub;
};

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

int PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "otasukectl: cannot render JSON: " << status.ToString() << "\n";
    return kExitFailed;
  }
  std::cout << json << "\n";
  return kExitOk;
}

int RpcFailed(const Context& ctx, const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    std::cerr << "otasukectl: cannot reach the collector at " << ctx.options.collector << ": "
              << status.error_message()
              << "\n  (is otasuke-collector running there? set --collector HOST:PORT or "
                 "OTASUKE_COLLECTOR)\n";
    return kExitUnreachable;
  }
  std::cerr << "otasukectl: the collector refused the request: " << status.error_message() << "\n";
  return kExitFailed;
}

std::unique_ptr<grpc::ClientContext> CallContext(const Context& ctx) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(ctx.options.timeout_seconds)));
  return context;
}

int AgentsList(Context& ctx) {
  v1::ListAgentsRequest request;
  request.set_tenant_id(ctx.options.tenant);
  v1::ListAgentsResponse response;
  grpc::Status status = ctx.stub->ListAgents(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  Table table(
      {"AGENT", "TENANT", "HOSTNAME", "PROFILE", "CONNECTED", "RULESET", "ACKED SEQ", "LAST SEEN"});
  for (const v1::AgentInfo& agent : response.agents()) {
    std::string profile = v1::Profile_Name(agent.profile());
    table.AddRow({agent.agent_id(), agent.tenant_id(), agent.hostname(),
                  absl::AsciiStrToLower(profile.substr(std::min<size_t>(8, profile.size()))),
                  agent.connected() ? "yes" : "no",
                  agent.ruleset_version().empty() ? "-" : agent.ruleset_version(),
                  absl::StrCat(agent.acked_sequence()), Time(agent.last_seen())});
  }
  std::cout << table.Render();
  return kExitOk;
}

int AlertsList(Context& ctx) {
  v1::ListAlertsRequest request;
  request.set_tenant_id(ctx.options.tenant);
  request.set_agent_id(ctx.options.agent);
  request.set_limit(static_cast<uint32_t>(ctx.options.limit));
  v1::ListAlertsResponse response;
  grpc::Status status = ctx.stub->ListAlerts(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  Table table({"DETECTED", "SEVERITY", "HOST", "USER", "RULE", "TITLE", "AGENT", "SEQ"});
  for (const v1::Alert& alert : response.alerts()) {
    table.AddRow(
        {Time(alert.detection_time()), collector::SeverityName(alert.severity()), alert.hostname(),
         alert.process().user().empty() ? "-" : alert.process().user(),
         absl::StrCat(collector::EngineName(alert.rule().engine()), ":", alert.rule().rule_id()),
         alert.title(), alert.agent_id(), absl::StrCat(alert.sequence())});
  }
  std::cout << table.Render();
  return kExitOk;
}

int IncidentsList(Context& ctx) {
  v1::ListIncidentsRequest request;
  request.set_tenant_id(ctx.options.tenant);
  request.set_limit(static_cast<uint32_t>(ctx.options.limit));
  v1::ListIncidentsResponse response;
  grpc::Status status = ctx.stub->ListIncidents(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  Table table(
      {"ID", "SEVERITY", "STATE", "ALERTS", "TENANT", "HOST", "FIRST SEEN", "LAST SEEN", "TITLE"});
  for (const v1::Incident& incident : response.incidents()) {
    table.AddRow({absl::StrCat(incident.id()), collector::SeverityName(incident.severity()),
                  collector::IncidentStateName(incident.state()),
                  absl::StrCat(incident.alert_count()), incident.tenant_id(), incident.hostname(),
                  Time(incident.first_seen()), Time(incident.last_seen()), incident.title()});
  }
  std::cout << table.Render();
  return kExitOk;
}

int RulesPush(Context& ctx) {
  if (ctx.args.empty()) {
    std::cerr << "otasukectl: rules push needs at least one FILE or DIR\n";
    return kExitUsage;
  }
  absl::StatusOr<v1::RuleSet> ruleset =
      LoadRuleBundle(ctx.args, ctx.options.version, kMaxMessageBytes - (64 << 10));
  if (!ruleset.ok()) {
    std::cerr << "otasukectl: " << ruleset.status().message() << "\n";
    return kExitUsage;
  }
  v1::PushRuleSetRequest request;
  *request.mutable_ruleset() = *ruleset;
  request.set_tenant_id(ctx.options.tenant);
  v1::PushRuleSetResponse response;
  grpc::Status status = ctx.stub->PushRuleSet(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  std::cout << "pushed rule set " << response.version() << " (" << ruleset->files_size()
            << " file(s)) to "
            << (ctx.options.tenant.empty() ? "all tenants" : "tenant " + ctx.options.tenant)
            << "; sent now to " << response.agents_notified()
            << " connected agent(s), others get it when they connect\n";
  return kExitOk;
}

struct Command {
  std::string_view noun;
  std::string_view verb;
  std::string_view usage;
  int (*run)(Context&);
  bool takes_args;
};

constexpr Command kCommands[] = {
    {"agents", "list", "agents list [--tenant T] [--json]", AgentsList, false},
    {"alerts", "list", "alerts list [--tenant T] [--agent A] [--limit N] [--json]", AlertsList,
     false},
    {"incidents", "list", "incidents list [--tenant T] [--limit N] [--json]", IncidentsList, false},
    {"rules", "push", "rules push FILE|DIR... [--version V] [--tenant T] [--json]", RulesPush,
     true},
};

std::string Usage(std::span<const cli::FlagSpec> flags) {
  std::string out =
      "usage: otasukectl [--collector HOST:PORT] COMMAND [flags]\n\n"
      "The helper team's command line for an Otasuke collector.\n\nCommands:\n";
  for (const Command& command : kCommands)
    absl::StrAppend(&out, "  otasukectl ", Sv(command.usage), "\n");
  absl::StrAppend(&out,
                  "\nRule formats by extension: .yml/.yaml Sigma, .rules Suricata, .ioc IOC "
                  "list.\n\nFlags:\n",
                  cli::FlagsHelp(flags),
                  "\nEnvironment: OTASUKE_COLLECTOR sets the default --collector.\n"
                  "Exit status: 0 ok, 1 refused by the collector, 2 usage, 3 collector "
                  "unreachable.\n");
  return out;
}

}  // namespace

int Main(int argc, char** argv) {
  Context ctx;
  const char* env = std::getenv("OTASUKE_COLLECTOR");
  ctx.options.collector = env != nullptr && env[0] != '\0' ? env : "127.0.0.1:7443";
  Options& o = ctx.options;
  const cli::FlagSpec flags[] = {
      {"collector", "HOST:PORT", "collector address", &o.collector},
      {"tenant", "T", "only this tenant (push: only this tenant's agents)", &o.tenant},
      {"agent", "A", "alerts of this agent only", &o.agent},
      {"limit", "N", "at most N rows (0: the collector's default, 100)", &o.limit},
      {"version", "V", "rule set version (default: derived from the files' content)", &o.version},
      {"timeout", "SECONDS", "give up on the collector after this long", &o.timeout_seconds},
      {"json", "", "print JSON instead of a table", &o.json},
      {"help", "", "show this help", &o.help},
  };
  absl::StatusOr<std::vector<std::string>> positional = cli::ParseFlags(flags, argc, argv, 1);
  if (!positional.ok()) {
    std::cerr << "otasukectl: " << positional.status().message() << "\n\n" << Usage(flags);
    return kExitUsage;
  }
  if (o.help || positional->empty()) {
    (o.help ? std::cout : std::cerr) << Usage(flags);
    return o.help ? kExitOk : kExitUsage;
  }
  const Command* command = nullptr;
  for (const Command& candidate : kCommands) {
    if (positional->size() >= 2 && (*positional)[0] == candidate.noun &&
        (*positional)[1] == candidate.verb) {
      command = &candidate;
    }
  }
  if (command == nullptr) {
    std::cerr << "otasukectl: unknown command '" << absl::StrJoin(*positional, " ") << "'\n\n"
              << Usage(flags);
    return kExitUsage;
  }
  ctx.args.assign(positional->begin() + 2, positional->end());
  if (!command->takes_args && !ctx.args.empty()) {
    std::cerr << "otasukectl: unexpected argument '" << ctx.args[0] << "' for '" << command->noun
              << " " << command->verb << "'\n";
    return kExitUsage;
  }
  if (o.limit < 0 || o.timeout_seconds <= 0) {
    std::cerr << "otasukectl: --limit must be >= 0 and --timeout > 0\n";
    return kExitUsage;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  // Plaintext until enrollment brings mTLS (the same seam as the collector's credentials).
  ctx.stub = v1::ConsoleService::NewStub(
      grpc::CreateCustomChannel(o.collector, grpc::InsecureChannelCredentials(), args));
  return command->run(ctx);
}

}  // namespace otasuke::ctl

int main(int argc, char** argv) { return otasuke::ctl::Main(argc, argv); }
