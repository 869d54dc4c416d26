#include "collector/server/console_service.h"

#include "absl/strings/str_cat.h"
#include "collector/auth/permissions.h"
#include "collector/server/agent_service.h"
#include "collector/server/authorized_call.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace otasuke::collector {
namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 10000;

int Limit(uint32_t requested) {
  if (requested == 0) return kDefaultLimit;
  return static_cast<int>(std::min<uint32_t>(requested, kMaxLimit));
}

}  // namespace

absl::Status ValidateRuleSet(const v1::RuleSet& ruleset) {
  if (ruleset.version().empty()) return absl::InvalidArgumentError("rule set has no version");
  if (ruleset.version().size() > 128) {
    return absl::InvalidArgumentError("rule set version is longer than 128 bytes");
  }
  if (ruleset.files_size() == 0) return absl::InvalidArgumentError("rule set has no files");
  for (int i = 0; i < ruleset.files_size(); ++i) {
    const v1::RuleFile& file = ruleset.files(i);
    if (file.path().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("rule file #", i + 1, " has no path"));
    }
    if (file.format() == v1::RULE_FORMAT_UNSPECIFIED || !v1::RuleFormat_IsValid(file.format())) {
      return absl::InvalidArgumentError(
          absl::StrCat("rule file ", file.path(), " has no known format (sigma, suricata, ioc)"));
    }
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* ConsoleServiceImpl::ListAgents(grpc::CallbackServerContext* context,
                                                         const v1::ListAgentsRequest* request,
                                                         v1::ListAgentsResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        ASSIGN_OR_RETURN(std::string tenant,
                         AuthorizeScoped(caller, Permission::kReadAgents, request->tenant_id()));
        ASSIGN_OR_RETURN(std::vector<v1::AgentInfo> agents, store_.ListAgents(tenant));
        for (v1::AgentInfo& agent : agents) {
          // Limit counters live in memory (since the collector started), not in the store.
          if (std::optional<AgentLimitStats> stats = limiter_.Stats(agent.agent_id())) {
            v1::AgentLimitCounters* limits = agent.mutable_limits();
            limits->set_throttled(stats->throttled);
            limits->set_throttled_seconds(absl::ToDoubleSeconds(stats->throttled_for));
            limits->set_protocol_violations(stats->violations);
          }
          *response->add_agents() = std::move(agent);
        }
        // Collector-wide, so not a viewer's to see (it is scoped to its tenant).
        if (caller.role != Role::kViewer) {
          const StreamCounters counters = limiter_.stream_counters();
          v1::StreamCounters* streams = response->mutable_streams();
          streams->set_open(static_cast<uint32_t>(counters.open));
          streams->set_unauthenticated(static_cast<uint32_t>(counters.unauthenticated));
          streams->set_refused_max_streams(counters.refused_max_streams);
          streams->set_refused_per_address(counters.refused_per_address);
          streams->set_hello_timeouts(counters.hello_timeouts);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ConsoleServiceImpl::ListAlerts(grpc::CallbackServerContext* context,
                                                         const v1::ListAlertsRequest* request,
                                                         v1::ListAlertsResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        ASSIGN_OR_RETURN(std::string tenant,
                         AuthorizeScoped(caller, Permission::kReadAlerts, request->tenant_id()));
        AlertQuery query{
            .tenant_id = tenant, .agent_id = request->agent_id(), .limit = Limit(request->limit())};
        ASSIGN_OR_RETURN(std::vector<v1::Alert> alerts, store_.ListAlerts(query));
        for (v1::Alert& alert : alerts) *response->add_alerts() = std::move(alert);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ConsoleServiceImpl::ListIncidents(grpc::CallbackServerContext* context,
                                                            const v1::ListIncidentsRequest* request,
                                                            v1::ListIncidentsResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        ASSIGN_OR_RETURN(std::string tenant,
                         AuthorizeScoped(caller, Permission::kReadIncidents, request->tenant_id()));
        IncidentQuery query{.tenant_id = tenant,
                            .state = request->state(),
                            .min_severity = request->min_severity(),
                            .limit = Limit(request->limit())};
        if (request->has_since()) {
          query.seen_since = absl::FromUnixSeconds(request->since().seconds()) +
                             absl::Nanoseconds(request->since().nanos());
        }
        ASSIGN_OR_RETURN(std::vector<v1::Incident> incidents, store_.ListIncidents(query));
        for (v1::Incident& incident : incidents) *response->add_incidents() = std::move(incident);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ConsoleServiceImpl::PushRuleSet(grpc::CallbackServerContext* context,
                                                          const v1::PushRuleSetRequest* request,
                                                          v1::PushRuleSetResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(Authorize(caller, Permission::kPushRules, request->tenant_id()));
        RETURN_IF_ERROR(ValidateRuleSet(request->ruleset()));
        std::string actor = caller.Actor();
        RETURN_IF_ERROR(AwaitWrite([&](Store::Done done) {
          store_.StoreRuleSet(request->ruleset(), request->tenant_id(), actor, std::move(done));
        }));
        uint32_t notified = 0;
        for (const auto& stream : registry_.Streams(request->tenant_id())) {
          v1::CollectorMessage message;
          *message.mutable_ruleset() = request->ruleset();
          if (stream->Send(std::move(message))) ++notified;
        }
        LOG_INFO("rule set %s (%d files) for %s pushed to %d connected agent(s)",
                 request->ruleset().version(), request->ruleset().files_size(),
                 request->tenant_id().empty() ? "all tenants" : request->tenant_id(), notified);
        response->set_version(request->ruleset().version());
        response->set_agents_notified(notified);
        return absl::OkStatus();
      });
}

}  // namespace otasuke::collector
