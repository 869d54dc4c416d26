// otasukectl: the helper team's command line for the collector's ConsoleService.
//
//   otasukectl [--collector HOST:PORT] agents list [--tenant T] [--json]
//   otasukectl alerts list [--tenant T] [--agent A] [--limit N] [--json]
//   otasukectl incidents list [--tenant T] [--limit N] [--json]
//   otasukectl rules push FILE|DIR... [--version V] [--tenant T] [--json]
//   otasukectl tokens create NAME --role R [--tenant T] [--ttl D]
//   otasukectl tokens list | tokens revoke NAME
//   otasukectl enroll-tokens create --tenant T --ttl D | enroll-tokens list
//   otasukectl agents revoke AGENT [--reason TEXT]
//   otasukectl workorders open|list|show|advance ...   (on-site visits, docs/WORKORDERS.md)
//
// Every call carries a console token: --token, OTASUKE_TOKEN, --token-file or OTASUKE_TOKEN_FILE,
// over TLS verified with the collector CA (--ca-file / OTASUKE_CA_FILE), or plaintext with
// --insecure for a loopback demo collector.

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <span>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "collector/ctl/table.h"
#include "collector/notify/payload.h"
#include "collector/workorder/work_order_states.h"
#include "common/cli.h"
#include "common/files.h"
#include "common/rule_bundle.h"
#include "common/strings.h"
#include "google/protobuf/util/json_util.h"
#include "otasuke/v1/console_service.grpc.pb.h"
#include "otasuke/v1/identity_service.grpc.pb.h"
#include "otasuke/v1/workorder_service.grpc.pb.h"

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
  std::string token;
  std::string token_file;
  std::string role;
  std::string reason;
  std::string ca_file;
  bool insecure = false;
  std::string ttl;  // absl duration syntax: 24h, 90m
  int64_t limit = 0;
  int64_t timeout_seconds = 10;
  bool json = false;
  bool help = false;
  // workorders
  int64_t incident = 0;
  std::string origin = "responder";  // and `reason` above
  std::string address;
  std::string access_notes;
  std::string actor;
  std::string to;
  std::string action;
  std::string evidence;
  int64_t cost = 0;
  std::string cost_note;
  bool open_only = false;
};

struct Context {
  Options options;
  std::vector<std::string> args;  // after the two command words
  std::string token;  // resolved from --token, OTASUKE_TOKEN, --token-file, OTASUKE_TOKEN_FILE
  std::unique_ptr<v1::ConsoleService::Stub> stub;
  std::unique_ptr<v1::IdentityAdminService::Stub> identity;
  std::unique_ptr<v1::WorkOrderService::Stub> work_orders;
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
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    std::cerr << "otasukectl: the collector did not accept the console token: "
              << status.error_message() << "\n";
    return kExitFailed;
  }
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
  if (!ctx.token.empty()) context->AddMetadata("authorization", "Bearer " + ctx.token);
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

int TokensCreate(Context& ctx) {
  if (ctx.args.size() != 1) {
    std::cerr << "otasukectl: tokens create needs exactly one NAME\n";
    return kExitUsage;
  }
  v1::CreateConsoleTokenRequest request;
  request.set_name(ctx.args[0]);
  request.set_role(ctx.options.role);
  request.set_tenant_id(ctx.options.tenant);
  absl::Duration ttl = absl::ZeroDuration();
  if (!ctx.options.ttl.empty() &&
      (!absl::ParseDuration(ctx.options.ttl, &ttl) || ttl <= absl::ZeroDuration())) {
    std::cerr << "otasukectl: --ttl '" << ctx.options.ttl
              << "' is not a positive duration such as 24h or 90m\n";
    return kExitUsage;
  }
  request.set_ttl_seconds(absl::ToInt64Seconds(ttl));
  v1::CreateConsoleTokenResponse response;
  grpc::Status status =
      ctx.identity->CreateConsoleToken(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  std::cerr << "created console token '" << response.token().name() << "' (role "
            << response.token().role() << "); its secret is shown only now:\n";
  std::cout << response.secret() << "\n";
  return kExitOk;
}

int TokensList(Context& ctx) {
  v1::ListConsoleTokensResponse response;
  grpc::Status status = ctx.identity->ListConsoleTokens(CallContext(ctx).get(), {}, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  Table table({"NAME", "ROLE", "TENANT", "CREATED", "BY", "EXPIRES", "REVOKED"});
  for (const v1::ConsoleToken& token : response.tokens()) {
    table.AddRow({token.name(), token.role(), token.tenant_id().empty() ? "-" : token.tenant_id(),
                  Time(token.created_at()), token.created_by(),
                  token.has_expires_at() ? Time(token.expires_at()) : "never",
                  token.has_revoked_at() ? Time(token.revoked_at()) : "-"});
  }
  std::cout << table.Render();
  return kExitOk;
}

std::string Yen(int64_t yen) { return absl::StrCat("¥", yen); }

// The actor stamped on work-order steps: --as, else the login name.
std::string Actor(const Options& o) {
  if (!o.actor.empty()) return o.actor;
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "";
}

// The work-order id argument of show/advance; prints the problem and returns 0 when missing.
int64_t WorkOrderId(const Context& ctx) {
  int64_t id = 0;
  if (ctx.args.size() != 1 || !absl::SimpleAtoi(ctx.args[0], &id) || id <= 0) {
    std::cerr << "otasukectl: give one work-order id (a positive number)\n";
    return 0;
  }
  return id;
}

int PrintWorkOrder(const Context& ctx, const v1::WorkOrder& order) {
  if (ctx.options.json) return PrintJson(order);
  std::cout << "work order " << order.id() << " (" << collector::WorkOrderStateName(order.state())
            << ")\n  tenant:   " << order.tenant_id() << "\n  incident: "
            << (order.incident_id() != 0 ? absl::StrCat(order.incident_id()) : "-")
            << "\n  origin:   " << collector::WorkOrderOriginName(order.origin())
            << "\n  reason:   " << order.reason() << "\n  address:  " << order.site_address()
            << "\n  access:   " << order.access_notes()
            << "\n  opened:   " << Time(order.opened_at()) << " by " << order.opened_by()
            << "\n  cost:     " << Yen(order.total_cost_yen()) << "\n\n";
  Table table({"AT", "STEP", "BY", "ACTION", "EVIDENCE", "COST"});
  for (const v1::WorkOrderEvent& event : order.events()) {
    std::string step =
        event.from_state() == event.to_state()
            ? "note"
            : absl::StrCat(
                  event.from_state() == v1::WORK_ORDER_STATE_UNSPECIFIED
                      ? ""
                      : absl::StrCat(Sv(collector::WorkOrderStateName(event.from_state())), " -> "),
                  Sv(collector::WorkOrderStateName(event.to_state())));
    table.AddRow({Time(event.at()), step, event.actor(), event.action(), event.evidence(),
                  event.cost_yen() == 0
                      ? "-"
                      : absl::StrCat(Yen(event.cost_yen()), " ", event.cost_note())});
  }
  std::cout << table.Render();
  return kExitOk;
}

int TokensRevoke(Context& ctx) {
  if (ctx.args.size() != 1) {
    std::cerr << "otasukectl: tokens revoke needs exactly one NAME\n";
    return kExitUsage;
  }
  v1::RevokeConsoleTokenRequest request;
  request.set_name(ctx.args[0]);
  v1::RevokeConsoleTokenResponse response;
  grpc::Status status =
      ctx.identity->RevokeConsoleToken(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  std::cout << "revoked console token '" << request.name() << "'\n";
  return kExitOk;
}

int EnrollTokensCreate(Context& ctx) {
  absl::Duration ttl;
  if (ctx.options.tenant.empty() || ctx.options.ttl.empty() ||
      !absl::ParseDuration(ctx.options.ttl, &ttl) || ttl <= absl::ZeroDuration()) {
    std::cerr << "otasukectl: enroll-tokens create needs --tenant T and --ttl D (such as 24h)\n";
    return kExitUsage;
  }
  v1::CreateEnrollmentTokenRequest request;
  request.set_tenant_id(ctx.options.tenant);
  request.set_ttl_seconds(absl::ToInt64Seconds(ttl));
  v1::CreateEnrollmentTokenResponse response;
  grpc::Status status =
      ctx.identity->CreateEnrollmentToken(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  std::cerr << "enrollment token " << response.token().id() << " for tenant "
            << response.token().tenant_id() << ", single use, expires "
            << Time(response.token().expires_at()) << ". On the SME machine run:\n"
            << "  otasuke-agent enroll --collector " << ctx.options.collector << " --token "
            << response.secret() << " --ca-fingerprint " << response.ca_fingerprint() << "\n";
  std::cout << response.secret() << "\n";
  return kExitOk;
}

int EnrollTokensList(Context& ctx) {
  v1::ListEnrollmentTokensResponse response;
  grpc::Status status = ctx.identity->ListEnrollmentTokens(CallContext(ctx).get(), {}, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  Table table({"ID", "TENANT", "CREATED", "BY", "EXPIRES", "USED", "AGENT"});
  for (const v1::EnrollmentToken& token : response.tokens()) {
    table.AddRow({absl::StrCat(token.id()), token.tenant_id(), Time(token.created_at()),
                  token.created_by(), Time(token.expires_at()),
                  token.has_used_at() ? Time(token.used_at()) : "-",
                  token.used_by_agent().empty() ? "-" : token.used_by_agent()});
  }
  std::cout << table.Render();
  return kExitOk;
}

int WorkOrdersOpen(Context& ctx) {
  const Options& o = ctx.options;
  absl::StatusOr<v1::WorkOrderOrigin> origin = collector::ParseWorkOrderOrigin(o.origin);
  if (!origin.ok()) {
    std::cerr << "otasukectl: --origin: " << origin.status().message() << "\n";
    return kExitUsage;
  }
  v1::OpenWorkOrderRequest request;
  request.set_tenant_id(o.tenant);
  request.set_incident_id(o.incident);
  request.set_origin(*origin);
  request.set_reason(o.reason);
  request.set_site_address(o.address);
  request.set_access_notes(o.access_notes);
  request.set_actor(Actor(o));
  v1::OpenWorkOrderResponse response;
  grpc::Status status = ctx.work_orders->OpenWorkOrder(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  return PrintWorkOrder(ctx, response.work_order());
}

int WorkOrdersList(Context& ctx) {
  v1::ListWorkOrdersRequest request;
  request.set_tenant_id(ctx.options.tenant);
  request.set_open_only(ctx.options.open_only);
  request.set_limit(static_cast<uint32_t>(ctx.options.limit));
  v1::ListWorkOrdersResponse response;
  grpc::Status status = ctx.work_orders->ListWorkOrders(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  Table table(
      {"ID", "STATE", "TENANT", "INCIDENT", "ORIGIN", "OPENED", "UPDATED", "COST", "ADDRESS"});
  for (const v1::WorkOrder& order : response.work_orders()) {
    table.AddRow(
        {absl::StrCat(order.id()), std::string(collector::WorkOrderStateName(order.state())),
         order.tenant_id(), order.incident_id() != 0 ? absl::StrCat(order.incident_id()) : "-",
         std::string(collector::WorkOrderOriginName(order.origin())), Time(order.opened_at()),
         Time(order.updated_at()), Yen(order.total_cost_yen()), order.site_address()});
  }
  std::cout << table.Render();
  return kExitOk;
}

int AgentsRevoke(Context& ctx) {
  if (ctx.args.size() != 1) {
    std::cerr << "otasukectl: agents revoke needs exactly one AGENT id\n";
    return kExitUsage;
  }
  v1::RevokeAgentRequest request;
  request.set_agent_id(ctx.args[0]);
  request.set_reason(ctx.options.reason);
  v1::RevokeAgentResponse response;
  grpc::Status status = ctx.identity->RevokeAgent(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  if (ctx.options.json) return PrintJson(response);
  std::cout << "revoked agent " << request.agent_id()
            << (response.stream_closed() ? "; its stream was closed" : " (it was not connected)")
            << "; the collector refuses it from now on\n";
  return kExitOk;
}

// The channel credentials: TLS pinned to the collector CA, or plaintext with --insecure.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const Options& options, grpc::ChannelArguments& args) {
  if (options.insecure) {
    if (!absl::StartsWith(options.collector, "127.") &&
        !absl::StartsWith(options.collector, "localhost:") &&
        !absl::StartsWith(options.collector, "[::1]:")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--insecure is allowed only with a loopback collector, not ", options.collector,
          ": the console token would cross the network in plaintext"));
    }
    return grpc::InsecureChannelCredentials();
  }
  std::string ca_file = options.ca_file;
  const char* env = std::getenv("OTASUKE_CA_FILE");
  if (ca_file.empty() && env != nullptr) ca_file = env;
  if (ca_file.empty()) {
    return absl::InvalidArgumentError(
        "the collector CA is needed to verify the collector: --ca-file FILE or OTASUKE_CA_FILE "
        "(the collector's <data_dir>/pki/ca.crt), or --insecure for a loopback demo collector");
  }
  absl::StatusOr<std::string> ca = ReadFile(ca_file);
  if (!ca.ok()) {
    return absl::NotFoundError(absl::StrCat("cannot read the CA file: ", ca.status().message()));
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = *ca;
  args.SetSslTargetNameOverride("otasuke-collector");
  return grpc::SslCredentials(tls);
}

// The console token: --token, then OTASUKE_TOKEN, then --token-file, then OTASUKE_TOKEN_FILE.
absl::StatusOr<std::string> ResolveToken(const Options& options) {
  if (!options.token.empty()) return options.token;
  const char* env = std::getenv("OTASUKE_TOKEN");
  if (env != nullptr && env[0] != '\0') return std::string(env);
  std::string file = options.token_file;
  const char* env_file = std::getenv("OTASUKE_TOKEN_FILE");
  if (file.empty() && env_file != nullptr) file = env_file;
  if (file.empty()) return std::string();
  absl::StatusOr<std::string> content = ReadFile(file);
  if (!content.ok()) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the token file: ", content.status().message()));
  }
  std::string token(absl::StripAsciiWhitespace(*content));
  if (token.empty())
    return absl::InvalidArgumentError(absl::StrCat("token file ", file, " is empty"));
  return token;
}

int WorkOrdersShow(Context& ctx) {
  v1::GetWorkOrderRequest request;
  request.set_id(WorkOrderId(ctx));
  if (request.id() == 0) return kExitUsage;
  v1::GetWorkOrderResponse response;
  grpc::Status status = ctx.work_orders->GetWorkOrder(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  return PrintWorkOrder(ctx, response.work_order());
}

int WorkOrdersAdvance(Context& ctx) {
  const Options& o = ctx.options;
  v1::AdvanceWorkOrderRequest request;
  request.set_id(WorkOrderId(ctx));
  if (request.id() == 0) return kExitUsage;
  if (!o.to.empty()) {
    absl::StatusOr<v1::WorkOrderState> to = collector::ParseWorkOrderState(o.to);
    if (!to.ok()) {
      std::cerr << "otasukectl: --to: " << to.status().message() << "\n";
      return kExitUsage;
    }
    request.set_to_state(*to);
  }
  request.set_actor(Actor(o));
  request.set_action(o.action);
  request.set_evidence(o.evidence);
  request.set_cost_yen(o.cost);
  request.set_cost_note(o.cost_note);
  v1::AdvanceWorkOrderResponse response;
  grpc::Status status =
      ctx.work_orders->AdvanceWorkOrder(CallContext(ctx).get(), request, &response);
  if (!status.ok()) return RpcFailed(ctx, status);
  return PrintWorkOrder(ctx, response.work_order());
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
    {"tokens", "create",
     "tokens create NAME --role admin|lead|responder|viewer [--tenant T] "
     "[--ttl D]",
     TokensCreate, true},
    {"tokens", "list", "tokens list [--json]", TokensList, false},
    {"enroll-tokens", "create", "enroll-tokens create --tenant T --ttl D [--json]",
     EnrollTokensCreate, false},
    {"enroll-tokens", "list", "enroll-tokens list [--json]", EnrollTokensList, false},
    {"agents", "revoke", "agents revoke AGENT [--reason TEXT]", AgentsRevoke, true},
    {"tokens", "revoke", "tokens revoke NAME", TokensRevoke, true},
    {"workorders", "open",
     "workorders open --tenant T [--incident N] [--origin responder|policy|sme_request] "
     "[--reason R] [--address A] [--access-notes N] [--as WHO] [--json]",
     WorkOrdersOpen, false},
    {"workorders", "list", "workorders list [--tenant T] [--open] [--limit N] [--json]",
     WorkOrdersList, false},
    {"workorders", "show", "workorders show ID [--json]", WorkOrdersShow, true},
    {"workorders", "advance",
     "workorders advance ID [--to STATE] [--action A] [--evidence E] [--cost YEN] "
     "[--cost-note N] [--as WHO] [--json]",
     WorkOrdersAdvance, true},
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
                  "\nEnvironment: OTASUKE_COLLECTOR sets the default --collector; "
                  "OTASUKE_TOKEN or\nOTASUKE_TOKEN_FILE the console token (after --token and "
                  "--token-file);\nOTASUKE_CA_FILE the collector CA (after --ca-file).\n"
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
      {"token", "SECRET", "console token (see also --token-file)", &o.token},
      {"token-file", "FILE", "file holding the console token", &o.token_file},
      {"ca-file", "FILE", "collector CA certificate that verifies the collector (TLS)", &o.ca_file},
      {"insecure", "", "plaintext, for a demo collector on loopback", &o.insecure},
      {"reason", "TEXT",
       "agents revoke: why (kept in the audit log); workorders open: why the visit is needed",
       &o.reason},
      {"role", "ROLE", "tokens create: admin, lead, responder or viewer (viewer needs --tenant)",
       &o.role},
      {"ttl", "DURATION", "tokens create: lifetime such as 24h (default: never expires)", &o.ttl},
      {"timeout", "SECONDS", "give up on the collector after this long", &o.timeout_seconds},
      {"incident", "N", "workorders open: the incident the visit is for", &o.incident},
      {"origin", "WHY", "workorders open: responder, policy or sme_request", &o.origin},
      {"address", "TEXT", "workorders open: site address (default: the tenant's)", &o.address},
      {"access-notes", "TEXT", "workorders open: how to get in (default: the tenant's)",
       &o.access_notes},
      {"as", "WHO", "workorders: who acts (default: $USER)", &o.actor},
      {"to", "STATE", "workorders advance: the next state (none: add a note)", &o.to},
      {"action", "TEXT", "workorders advance: what was done", &o.action},
      {"evidence", "TEXT", "workorders advance: evidence notes", &o.evidence},
      {"cost", "YEN", "workorders advance: cost of this step in yen", &o.cost},
      {"cost-note", "TEXT", "workorders advance: what the cost was for", &o.cost_note},
      {"open", "", "workorders list: only those not closed", &o.open_only},
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
  absl::StatusOr<std::string> token = ResolveToken(o);
  if (!token.ok()) {
    std::cerr << "otasukectl: " << token.status().message() << "\n";
    return kExitUsage;
  }
  ctx.token = *std::move(token);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentials(o, args);
  if (!credentials.ok()) {
    std::cerr << "otasukectl: " << credentials.status().message() << "\n";
    return kExitUsage;
  }
  auto channel = grpc::CreateCustomChannel(o.collector, *credentials, args);
  ctx.stub = v1::ConsoleService::NewStub(channel);
  ctx.identity = v1::IdentityAdminService::NewStub(channel);
  ctx.work_orders = v1::WorkOrderService::NewStub(channel);
  return command->run(ctx);
}

}  // namespace otasuke::ctl

int main(int argc, char** argv) { return otasuke::ctl::Main(argc, argv); }
