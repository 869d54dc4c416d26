#pragma once
// The work-order seam: open an on-site visit (駆け付け) for a tenant, move it through its states
// with actions, evidence notes and costs, and read it back with every step (time, who). Each
// write is one transaction with an audit entry; illegal transitions are refused, never stored.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "otasuke/v1/workorder_service.pb.h"

namespace otasuke::collector {

struct WorkOrderQuery {
  std::string tenant_id;  // empty: all tenants
  bool open_only = false;
  int limit = 100;
};

class WorkOrders {
 public:
  virtual ~WorkOrders() = default;

  // NotFound for an unknown tenant or incident; InvalidArgument for a bad request;
  // FailedPrecondition when no site address is given and the tenant has none on file.
  virtual absl::StatusOr<v1::WorkOrder> Open(const v1::OpenWorkOrderRequest& request) = 0;
  // A transition (to_state set) or a note (to_state UNSPECIFIED). FailedPrecondition for an
  // illegal transition, naming the states allowed.
  virtual absl::StatusOr<v1::WorkOrder> Advance(const v1::AdvanceWorkOrderRequest& request) = 0;
  // With its events, oldest first.
  virtual absl::StatusOr<v1::WorkOrder> Get(int64_t id) = 0;
  // Newest first, without events.
  virtual absl::StatusOr<std::vector<v1::WorkOrder>> List(const WorkOrderQuery& query) = 0;
};

// The NotFound of an unused work-order id, which is also what a viewer gets for another
// tenant's order.
inline absl::Status UnknownWorkOrderError(int64_t id) {
  return absl::NotFoundError(absl::StrCat("unknown work order ", id));
}

}  // namespace otasuke::collector
