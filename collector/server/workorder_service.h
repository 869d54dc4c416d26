#pragma once
// WorkOrderService for otasukectl: on-site work orders. Each call runs on the worker pool (the
// work-order book does SQLite I/O) and finishes from there; errors keep their status code
// (NOT_FOUND for an unknown tenant, FAILED_PRECONDITION for an illegal transition, ...).

#include <grpcpp/grpcpp.h>

#include "collector/server/worker_pool.h"
#include "collector/workorder/work_orders.h"
#include "otasuke/v1/workorder_service.grpc.pb.h"

namespace otasuke::collector {

class WorkOrderServiceImpl final : public v1::WorkOrderService::CallbackService {
 public:
  WorkOrderServiceImpl(WorkOrders& orders, WorkerPool& pool) : orders_(orders), pool_(pool) {}

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
  grpc::ServerUnaryReactor* Defer(grpc::CallbackServerContext* context,
                                  std::function<absl::Status()> work);

  WorkOrders& orders_;
  WorkerPool& pool_;
};

}  // namespace otasuke::collector
