#include "collector/server/incident_service.h"

#include "absl/strings/str_cat.h"
#include "collector/dispatch/dispatch_engine.h"
#include "collector/server/authorized_call.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace otasuke::collector {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

}  // namespace

absl::Status IncidentServiceImpl::AuthorizeOn(const Principal& caller, Permission permission,
                                              int64_t id) {
  RETURN_IF_ERROR(AuthorizeRole(caller, permission));
  ASSIGN_OR_RETURN(dispatch::IncidentDetail detail, workflow_.Get(id));
  return AuthorizeRecordTenant(caller, detail.row.tenant_id, dispatch::UnknownIncidentError(id));
}

absl::Status IncidentServiceImpl::Describe(int64_t id, v1::IncidentDetail* response) {
  ASSIGN_OR_RETURN(dispatch::IncidentDetail detail, workflow_.Get(id));
  ASSIGN_OR_RETURN(std::vector<v1::Incident> rows, store_.ListIncidents({.id = id, .limit = 1}));
  if (rows.empty()) return dispatch::UnknownIncidentError(id);
  response->Clear();
  *response->mutable_incident() = std::move(rows[0]);
  response->set_assignee(detail.assignee);
  response->set_merged_into(detail.row.merged_into);
  for (int64_t alert : detail.alert_ids) response->add_alert_ids(alert);
  for (const dispatch::Transition& t : detail.transitions) {
    v1::IncidentTransition* out = response->add_transitions();
    *out->mutable_at() = TimestampOf(t.at);
    out->set_actor(t.actor);
    out->set_from_state(t.from_state);
    out->set_to_state(t.to_state);
    out->set_note(t.note);
  }
  for (const dispatch::DispatchAttempt& a : detail.attempts) {
    v1::DispatchAttempt* out = response->add_attempts();
    *out->mutable_at() = TimestampOf(a.at);
    out->set_rung(std::string(dispatch::EscalationLevelName(a.level)));
    out->set_responder(a.responder);
    out->set_outcome(a.outcome);
    out->set_detail(a.detail);
  }
  if (detail.ack_timer.has_value()) {
    *response->mutable_ack_timer()->mutable_due_at() = TimestampOf(detail.ack_timer->due_at);
    response->mutable_ack_timer()->set_rung(
        std::string(dispatch::EscalationLevelName(detail.ack_timer->level)));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* IncidentServiceImpl::Change(
    grpc::CallbackServerContext* context, int64_t id,
    std::function<absl::StatusOr<int64_t>(const Principal&)> change, v1::IncidentDetail* response) {
  return AuthorizedCall(context, pool_, authenticator_,
                        [=, this, change = std::move(change)](const Principal& caller) {
                          RETURN_IF_ERROR(AuthorizeOn(caller, Permission::kManageIncidents, id));
                          ASSIGN_OR_RETURN(int64_t shown, change(caller));
                          return Describe(shown, response);
                        });
}

grpc::ServerUnaryReactor* IncidentServiceImpl::GetIncident(grpc::CallbackServerContext* context,
                                                           const v1::IncidentRef* request,
                                                           v1::IncidentDetail* response) {
  return AuthorizedCall(context, pool_, authenticator_, [=, this](const Principal& caller) {
    RETURN_IF_ERROR(AuthorizeOn(caller, Permission::kReadIncidents, request->id()));
    return Describe(request->id(), response);
  });
}

grpc::ServerUnaryReactor* IncidentServiceImpl::AcknowledgeIncident(
    grpc::CallbackServerContext* context, const v1::IncidentNote* request,
    v1::IncidentDetail* response) {
  return Change(
      context, request->id(),
      [=, this](const Principal& caller) -> absl::StatusOr<int64_t> {
        RETURN_IF_ERROR(workflow_.Acknowledge(request->id(), caller.Actor(), request->note()));
        return request->id();
      },
      response);
}

grpc::ServerUnaryReactor* IncidentServiceImpl::AssignIncident(
    grpc::CallbackServerContext* context, const v1::AssignIncidentRequest* request,
    v1::IncidentDetail* response) {
  return Change(
      context, request->id(),
      [=, this](const Principal& caller) -> absl::StatusOr<int64_t> {
        RETURN_IF_ERROR(
            workflow_.Assign(request->id(), request->responder(), caller.Actor(), request->note()));
        return request->id();
      },
      response);
}

grpc::ServerUnaryReactor* IncidentServiceImpl::NoteIncident(grpc::CallbackServerContext* context,
                                                            const v1::IncidentNote* request,
                                                            v1::IncidentDetail* response) {
  return Change(
      context, request->id(),
      [=, this](const Principal& caller) -> absl::StatusOr<int64_t> {
        RETURN_IF_ERROR(workflow_.Note(request->id(), caller.Actor(), request->note()));
        return request->id();
      },
      response);
}

grpc::ServerUnaryReactor* IncidentServiceImpl::AdvanceIncident(
    grpc::CallbackServerContext* context, const v1::AdvanceIncidentRequest* request,
    v1::IncidentDetail* response) {
  return Change(
      context, request->id(),
      [=, this](const Principal& caller) -> absl::StatusOr<int64_t> {
        if (!v1::IncidentState_IsValid(request->to_state())) {
          return absl::InvalidArgumentError("to_state: not an incident state");
        }
        RETURN_IF_ERROR(
            workflow_.Advance(request->id(), request->to_state(), caller.Actor(), request->note()));
        return request->id();
      },
      response);
}

grpc::ServerUnaryReactor* IncidentServiceImpl::MergeIncidents(
    grpc::CallbackServerContext* context, const v1::MergeIncidentsRequest* request,
    v1::IncidentDetail* response) {
  return Change(
      context, request->into(),
      [=, this](const Principal& caller) -> absl::StatusOr<int64_t> {
        RETURN_IF_ERROR(AuthorizeOn(caller, Permission::kManageIncidents, request->from()));
        RETURN_IF_ERROR(
            workflow_.Merge(request->into(), request->from(), caller.Actor(), request->note()));
        return request->into();
      },
      response);
}

grpc::ServerUnaryReactor* IncidentServiceImpl::SplitIncident(
    grpc::CallbackServerContext* context, const v1::SplitIncidentRequest* request,
    v1::IncidentDetail* response) {
  return Change(
      context, request->id(),
      [=, this](const Principal& caller) -> absl::StatusOr<int64_t> {
        std::vector<int64_t> alerts(request->alert_ids().begin(), request->alert_ids().end());
        return workflow_.Split(request->id(), alerts, caller.Actor(), request->note());
      },
      response);
}

}  // namespace otasuke::collector
