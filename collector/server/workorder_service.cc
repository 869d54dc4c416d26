#include "collector/server/workorder_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "collector/auth/permissions.h"
#include "collector/server/authorized_call.h"
#include "common/status_macros.h"

namespace otasuke::collector {

grpc::ServerUnaryReactor* WorkOrderServiceImpl::OpenWorkOrder(
    grpc::CallbackServerContext* context, const v1::OpenWorkOrderRequest* request,
    v1::OpenWorkOrderResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        // The customer may always ask for a visit: its viewer token may open one with origin
        // sme_request for its own tenant (no --tenant needed); anything else needs a role
        // that dispatches.
        const bool customer_asks = request->origin() == v1::WORK_ORDER_ORIGIN_SME_REQUEST;
        ASSIGN_OR_RETURN(
            std::string tenant,
            AuthorizeScoped(
                caller, customer_asks ? Permission::kRequestVisit : Permission::kManageWorkOrders,
                request->tenant_id()));
        v1::OpenWorkOrderRequest open = *request;
        open.set_tenant_id(tenant);
        // The step and the audit row name the token; for a viewer always (the SME's word that
        // it asked), for others when no --as was given.
        if (caller.role == Role::kViewer) {
          open.set_actor(open.actor().empty()
                             ? caller.Actor()
                             : absl::StrCat(open.actor(), " via ", caller.Actor()));
        } else if (open.actor().empty()) {
          open.set_actor(caller.Actor());
        }
        ASSIGN_OR_RETURN(*response->mutable_work_order(), orders_.Open(open));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WorkOrderServiceImpl::ListWorkOrders(
    grpc::CallbackServerContext* context, const v1::ListWorkOrdersRequest* request,
    v1::ListWorkOrdersResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        ASSIGN_OR_RETURN(std::string tenant, AuthorizeScoped(caller, Permission::kReadWorkOrders,
                                                             request->tenant_id()));
        WorkOrderQuery query{.tenant_id = tenant,
                             .open_only = request->open_only(),
                             .limit = request->limit() == 0 ? 100
                                                            : static_cast<int>(std::min<uint32_t>(
                                                                  request->limit(), 10000))};
        ASSIGN_OR_RETURN(std::vector<v1::WorkOrder> orders, orders_.List(query));
        for (v1::WorkOrder& order : orders) *response->add_work_orders() = std::move(order);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WorkOrderServiceImpl::GetWorkOrder(grpc::CallbackServerContext* context,
                                                             const v1::GetWorkOrderRequest* request,
                                                             v1::GetWorkOrderResponse* response) {
  return AuthorizedCall(context, pool_, authenticator_,
                        [this, request, response](const Principal& caller) -> absl::Status {
                          RETURN_IF_ERROR(AuthorizeRole(caller, Permission::kReadWorkOrders));
                          ASSIGN_OR_RETURN(v1::WorkOrder order, orders_.Get(request->id()));
                          RETURN_IF_ERROR(AuthorizeRecordTenant(
                              caller, order.tenant_id(), UnknownWorkOrderError(request->id())));
                          *response->mutable_work_order() = std::move(order);
                          return absl::OkStatus();
                        });
}

grpc::ServerUnaryReactor* WorkOrderServiceImpl::AdvanceWorkOrder(
    grpc::CallbackServerContext* context, const v1::AdvanceWorkOrderRequest* request,
    v1::AdvanceWorkOrderResponse* response) {
  return AuthorizedCall(
      context, pool_, authenticator_,
      [this, request, response](const Principal& caller) -> absl::Status {
        RETURN_IF_ERROR(AuthorizeRole(caller, Permission::kManageWorkOrders));
        ASSIGN_OR_RETURN(v1::WorkOrder order, orders_.Get(request->id()));
        RETURN_IF_ERROR(
            AuthorizeRecordTenant(caller, order.tenant_id(), UnknownWorkOrderError(request->id())));
        ASSIGN_OR_RETURN(*response->mutable_work_order(), orders_.Advance(*request));
        return absl::OkStatus();
      });
}

}  // namespace otasuke::collector
