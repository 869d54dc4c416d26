#pragma once
// WorkOrderService for otasukectl: on-site work orders. Each call authenticates its console
// token and runs on the worker pool (the work-order book does SQLite I/O), authorised there (a
// viewer reads only its own tenant's orders and opens or advances none); errors keep their
// status code (NOT_FOUND for an unknown tenant, FAILED_PRECONDITION for an illegal transition).

#include <grpcpp/grpcpp.h>

#include "collector/auth/authenticator.h"
#include "collector/server/worker_pool.h"
#include "collector/workorder/work_orders.h"
#include "otasuke/v1/workorder_service.grpc.pb.h"

namespace otasuke::collector {

class WorkOrderServiceImpl final : public v1::WorkOrderService::CallbackService {
 public:
  WorkOrderServiceImpl(WorkOrders& orders, WorkerPool& pool, const Authenticator& authenticator)
      : orders_(orders), pool_(pool), authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* OpenWorkOrder(grpc::CallbackServerContext* context,
                                          const v1::OpenWorkOrderRequest* request,
                                          v1::OpenWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* ListWorkOrders(grpc::CallbackServerContext* context,
                                           const v1::ListWorkOrdersRequest* request,
                                           v1::ListWorkOrdersResponse* response) override;
  grpc::ServerUnaryReactor* GetWorkOrder(grpc::CallbackServerContext* context,
                                         const v1::GetWorkOrderRequest* request,
                                         v1::GetWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* AdvanceWorkOrder(grpc::CallbackServerContext* context,
                                             const v1::AdvanceWorkOrderRequest* request,
                                             v1::AdvanceWorkOrderResponse* response) override;

 private:
  WorkOrders& orders_;
  WorkerPool& pool_;
  const Authenticator& authenticator_;
};

}  // namespace otasuke::collector
