#pragma once
// ConsoleService for otasukectl on the callback API. Each call authenticates its console token
// and is handed to the worker pool (reads use the store's read connection, never the writer),
// authorised there (a viewer's reads are limited to its tenant) and finished from there.

#include <grpcpp/grpcpp.h>

#include "collector/auth/authenticator.h"
#include "collector/server/agent_limits.h"
#include "collector/server/agent_registry.h"
#include "collector/server/worker_pool.h"
#include "collector/store/store.h"
#include "otasuke/v1/console_service.grpc.pb.h"

namespace otasuke::collector {

class ConsoleServiceImpl final : public v1::ConsoleService::CallbackService {
 public:
  ConsoleServiceImpl(Store& store, AgentRegistry& registry, const AgentLimiter& limiter,
                     WorkerPool& pool, const Authenticator& authenticator)
      : store_(store),
        registry_(registry),
        limiter_(limiter),
        pool_(pool),
        authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* ListAgents(grpc::CallbackServerContext* context,
                                       const v1::ListAgentsRequest* request,
                                       v1::ListAgentsResponse* response) override;
  grpc::ServerUnaryReactor* ListAlerts(grpc::CallbackServerContext* context,
                                       const v1::ListAlertsRequest* request,
                                       v1::ListAlertsResponse* response) override;
  grpc::ServerUnaryReactor* ListIncidents(grpc::CallbackServerContext* context,
                                          const v1::ListIncidentsRequest* request,
                                          v1::ListIncidentsResponse* response) override;
  grpc::ServerUnaryReactor* PushRuleSet(grpc::CallbackServerContext* context,
                                        const v1::PushRuleSetRequest* request,
                                        v1::PushRuleSetResponse* response) override;

 private:
  Store& store_;
  AgentRegistry& registry_;
  const AgentLimiter& limiter_;
  WorkerPool& pool_;
  const Authenticator& authenticator_;
};

// Checks a rule set before it is stored: a version, at least one file, each named and typed.
absl::Status ValidateRuleSet(const v1::RuleSet& ruleset);

}  // namespace otasuke::collector
