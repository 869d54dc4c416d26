#include "collector/server/workorder_service.h"

#include <algorithm>

#include "collector/server/agent_service.h"
#include "common/status_macros.h"

namespace otasuke::collector {

grpc::ServerUnaryReactor* WorkOrderServiceImpl::Defer(grpc::CallbackServerContext* context,
                                                      std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!pool_.Post([reactor, work = std::move(work)] { reactor->Finish(ToGrpcStatus(work())); })) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector is shutting down"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* WorkOrderServiceImpl::OpenWorkOrder(
    grpc::CallbackServerContext* context, const v1::OpenWorkOrderRequest* request,
    v1::OpenWorkOrderResponse* response) {
  return Defer(context, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(*response->mutable_work_order(), orders_.Open(*request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* WorkOrderServiceImpl::ListWorkOrders(
    grpc::CallbackServerContext* context, const v1::ListWorkOrdersRequest* request,
    v1::ListWorkOrdersResponse* response) {
  return Defer(context, [this, request, response]() -> absl::Status {
    WorkOrderQuery query{.tenant_id = request->tenant_id(),
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
  return Defer(context, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(*response->mutable_work_order(), orders_.Get(request->id()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* WorkOrderServiceImpl::AdvanceWorkOrder(
    grpc::CallbackServerContext* context, const v1::AdvanceWorkOrderRequest* request,
    v1::AdvanceWorkOrderResponse* response) {
  return Defer(context, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(*response->mutable_work_order(), orders_.Advance(*request));
    return absl::OkStatus();
  });
}

}  // namespace otasuke::collector
