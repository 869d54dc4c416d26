#pragma once
// IncidentService for otasukectl: one incident in full, and the changes people make to it, all
// through IncidentWorkflow (so each is an incident_transitions row stamped with time, the caller's
// token and the note, stops or restarts the acknowledge timer DispatchEngine keeps in SQLite, and
// is audited). Each call authenticates its console token and runs on the worker pool, authorised
// on the incident's tenant once it is read: a viewer sees its own tenant's incidents and changes
// none.

#include <grpcpp/grpcpp.h>

#include <functional>

#include "collector/auth/authenticator.h"
#include "collector/auth/permissions.h"
#include "collector/dispatch/incident_workflow.h"
#include "collector/server/worker_pool.h"
#include "collector/store/store.h"
#include "otasuke/v1/incident_service.grpc.pb.h"

namespace otasuke::collector {

class IncidentServiceImpl final : public v1::IncidentService::CallbackService {
 public:
  IncidentServiceImpl(Store& store, dispatch::IncidentWorkflow& workflow, WorkerPool& pool,
                      const Authenticator& authenticator)
      : store_(store), workflow_(workflow), pool_(pool), authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* GetIncident(grpc::CallbackServerContext* context,
                                        const v1::IncidentRef* request,
                                        v1::IncidentDetail* response) override;
  grpc::ServerUnaryReactor* AcknowledgeIncident(grpc::CallbackServerContext* context,
                                                const v1::IncidentNote* request,
                                                v1::IncidentDetail* response) override;
  grpc::ServerUnaryReactor* AssignIncident(grpc::CallbackServerContext* context,
                                           const v1::AssignIncidentRequest* request,
                                           v1::IncidentDetail* response) override;
  grpc::ServerUnaryReactor* NoteIncident(grpc::CallbackServerContext* context,
                                         const v1::IncidentNote* request,
                                         v1::IncidentDetail* response) override;
  grpc::ServerUnaryReactor* AdvanceIncident(grpc::CallbackServerContext* context,
                                            const v1::AdvanceIncidentRequest* request,
                                            v1::IncidentDetail* response) override;
  grpc::ServerUnaryReactor* MergeIncidents(grpc::CallbackServerContext* context,
                                           const v1::MergeIncidentsRequest* request,
                                           v1::IncidentDetail* response) override;
  grpc::ServerUnaryReactor* SplitIncident(grpc::CallbackServerContext* context,
                                          const v1::SplitIncidentRequest* request,
                                          v1::IncidentDetail* response) override;

 private:
  // Authorises `permission` on incident `id`'s tenant (NotFound for an unknown incident).
  absl::Status AuthorizeOn(const Principal& caller, Permission permission, int64_t id);
  // Checks the caller may change incident `id`, runs `change`, then reads `shown` into response.
  grpc::ServerUnaryReactor* Change(grpc::CallbackServerContext* context, int64_t id,
                                   std::function<absl::StatusOr<int64_t>(const Principal&)> change,
                                   v1::IncidentDetail* response);
  absl::Status Describe(int64_t id, v1::IncidentDetail* response);

  Store& store_;
  dispatch::IncidentWorkflow& workflow_;
  WorkerPool& pool_;
  const Authenticator& authenticator_;
};

}  // namespace otasuke::collector
