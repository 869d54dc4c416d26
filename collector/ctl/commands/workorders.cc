// otasukectl workorders open | list | show | advance: on-site visits (docs/WORKORDERS.md).

#include <cstdlib>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "collector/ctl/commands/commands.h"
#include "collector/ctl/format.h"
#include "collector/ctl/invocation.h"
#include "collector/ctl/table.h"
#include "collector/workorder/work_order_states.h"
#include "common/strings.h"
#include "otasuke/v1/workorder_service.grpc.pb.h"

namespace otasuke::ctl {
namespace {

// --as WHO: the actor stamped on work-order steps (default: the login name).
cli::FlagSpec ActorFlag(std::string* actor) {
  const char* user = std::getenv("USER");
  *actor = user != nullptr ? user : "";
  return {"as", "WHO", "who acts", actor};
}

// The work-order id argument of show and advance; 0 when it is not a positive number.
int64_t WorkOrderId(const Invocation& in) {
  int64_t id = 0;
  return absl::SimpleAtoi(in.args()[0], &id) && id > 0 ? id : 0;
}

void PrintWorkOrder(const v1::WorkOrder& order) {
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
}

int WorkOrdersOpen(Invocation& in) {
  v1::OpenWorkOrderRequest request;
  std::string origin_text = "responder";
  int64_t incident = 0;
  if (auto stop = in.Parse({TenantFlag(request.mutable_tenant_id(), "the SME to visit"),
                            {"incident", "N", "the incident the visit is for", &incident},
                            {"origin", "WHY", "responder, policy or sme-request", &origin_text},
                            {"reason", "TEXT", "why the visit is needed", request.mutable_reason()},
                            {"address", "TEXT", "site address (default: the tenant's)",
                             request.mutable_site_address()},
                            {"access-notes", "TEXT", "how to get in (default: the tenant's)",
                             request.mutable_access_notes()},
                            ActorFlag(request.mutable_actor())})) {
    return *stop;
  }
  absl::StatusOr<v1::WorkOrderOrigin> origin = collector::ParseWorkOrderOrigin(origin_text);
  if (!origin.ok()) return in.UsageError(absl::StrCat("--origin: ", origin.status().message()));
  request.set_origin(*origin);
  request.set_incident_id(incident);
  v1::OpenWorkOrderResponse response;
  grpc::Status status = in.Call(&v1::WorkOrderService::Stub::OpenWorkOrder, request, &response);
  return in.Reply(status, response.work_order(), [&] { PrintWorkOrder(response.work_order()); });
}

int WorkOrdersList(Invocation& in) {
  v1::ListWorkOrdersRequest request;
  bool open_only = false;
  if (auto stop = in.Parse({TenantFlag(request.mutable_tenant_id()),
                            {"open", "", "only those not closed", &open_only},
                            in.LimitFlag()})) {
    return *stop;
  }
  request.set_open_only(open_only);
  request.set_limit(in.limit());
  v1::ListWorkOrdersResponse response;
  grpc::Status status = in.Call(&v1::WorkOrderService::Stub::ListWorkOrders, request, &response);
  return in.Reply(status, response, [&] {
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
  });
}

int WorkOrdersShow(Invocation& in) {
  if (auto stop = in.Parse({}, {.min = 1, .max = 1})) return *stop;
  v1::GetWorkOrderRequest request;
  request.set_id(WorkOrderId(in));
  if (request.id() == 0) return in.UsageError("give one work-order id (a positive number)");
  v1::GetWorkOrderResponse response;
  grpc::Status status = in.Call(&v1::WorkOrderService::Stub::GetWorkOrder, request, &response);
  return in.Reply(status, response.work_order(), [&] { PrintWorkOrder(response.work_order()); });
}

int WorkOrdersAdvance(Invocation& in) {
  v1::AdvanceWorkOrderRequest request;
  std::string to;
  int64_t cost = 0;
  if (auto stop =
          in.Parse({{"to", "STATE", "the next state (none: add a note)", &to},
                    {"action", "TEXT", "what was done", request.mutable_action()},
                    {"evidence", "TEXT", "evidence notes", request.mutable_evidence()},
                    {"cost", "YEN", "cost of this step in yen", &cost},
                    {"cost-note", "TEXT", "what the cost was for", request.mutable_cost_note()},
                    ActorFlag(request.mutable_actor())},
                   {.min = 1, .max = 1})) {
    return *stop;
  }
  request.set_id(WorkOrderId(in));
  if (request.id() == 0) return in.UsageError("give one work-order id (a positive number)");
  if (!to.empty()) {
    absl::StatusOr<v1::WorkOrderState> state = collector::ParseWorkOrderState(to);
    if (!state.ok()) return in.UsageError(absl::StrCat("--to: ", state.status().message()));
    request.set_to_state(*state);
  }
  request.set_cost_yen(cost);
  v1::AdvanceWorkOrderResponse response;
  grpc::Status status = in.Call(&v1::WorkOrderService::Stub::AdvanceWorkOrder, request, &response);
  return in.Reply(status, response.work_order(), [&] { PrintWorkOrder(response.work_order()); });
}

}  // namespace

std::span<const Command> WorkOrderCommands() {
  static constexpr Command kCommands[] = {
      {.noun = "workorders",
       .verb = "open",
       .summary = "Open an on-site work order (駆け付け) for a tenant.",
       .run = WorkOrdersOpen},
      {.noun = "workorders",
       .verb = "list",
       .summary = "List work orders, newest first.",
       .run = WorkOrdersList},
      {.noun = "workorders",
       .verb = "show",
       .args = "ID",
       .summary = "Show a work order with every step.",
       .run = WorkOrdersShow},
      {.noun = "workorders",
       .verb = "advance",
       .args = "ID",
       .summary = "Move a work order to its next state, or add a note, evidence or a cost.",
       .run = WorkOrdersAdvance},
  };
  return kCommands;
}

}  // namespace otasuke::ctl
