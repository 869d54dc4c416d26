#include "collector/workorder/sqlite_work_orders.h"

#include "absl/strings/str_cat.h"
#include "collector/store/audit_log.h"
#include "collector/workorder/work_order_states.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

constexpr size_t kMaxTextBytes = 8 << 10;
constexpr int64_t kMaxCostYen = 100'000'000;  // one step; guards against typos of a few zeros

absl::Status CheckText(std::string_view field, const std::string& text) {
  if (text.size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(field), ": ", text.size(), " bytes, more than the ", kMaxTextBytes, " allowed"));
  }
  return absl::OkStatus();
}

void SetTime(google::protobuf::Timestamp* ts, int64_t micros) {
  ts->set_seconds(micros / 1'000'000);
  ts->set_nanos(static_cast<int32_t>(micros % 1'000'000) * 1000);
}

int64_t Micros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1'000'000 + ts.nanos() / 1000;
}

absl::StatusOr<v1::WorkOrderState> StateColumn(const std::string& text) {
  return ParseWorkOrderState(text);
}

constexpr const char* kSelectOrder =
    "SELECT id, tenant_id, COALESCE(incident_id, 0), origin, state, reason, site_address, "
    "access_notes, opened_by, opened_at, updated_at, total_cost_yen FROM work_orders";

absl::StatusOr<v1::WorkOrder> OrderFromRow(const Stmt& row) {
  v1::WorkOrder order;
  order.set_id(row.Int(0));
  order.set_tenant_id(row.Text(1));
  order.set_incident_id(row.Int(2));
  ASSIGN_OR_RETURN(v1::WorkOrderOrigin origin, ParseWorkOrderOrigin(row.Text(3)));
  order.set_origin(origin);
  ASSIGN_OR_RETURN(v1::WorkOrderState state, StateColumn(row.Text(4)));
  order.set_state(state);
  order.set_reason(row.Text(5));
  order.set_site_address(row.Text(6));
  order.set_access_notes(row.Text(7));
  order.set_opened_by(row.Text(8));
  SetTime(order.mutable_opened_at(), row.Int(9));
  SetTime(order.mutable_updated_at(), row.Int(10));
  order.set_total_cost_yen(row.Int(11));
  return order;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteWorkOrders>> SqliteWorkOrders::Open(const std::string& path,
                                                                         const Clock& clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, {}));
  return std::unique_ptr<SqliteWorkOrders>(new SqliteWorkOrders(std::move(db), clock));
}

absl::StatusOr<v1::WorkOrder> SqliteWorkOrders::Open(const v1::OpenWorkOrderRequest& request) {
  if (request.tenant_id().empty()) return absl::InvalidArgumentError("tenant: required");
  if (request.actor().empty()) {
    return absl::InvalidArgumentError("actor: who opens the work order is required");
  }
  if (WorkOrderOriginName(request.origin()).empty()) {
    return absl::InvalidArgumentError(
        "origin: say why the visit is needed (responder, policy or sme_request)");
  }
  RETURN_IF_ERROR(CheckText("reason", request.reason()));
  RETURN_IF_ERROR(CheckText("site_address", request.site_address()));
  RETURN_IF_ERROR(CheckText("access_notes", request.access_notes()));
  absl::MutexLock lock(&mu_);
  int64_t id = 0;
  RETURN_IF_ERROR(
      InImmediateTransaction(*db_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
        ASSIGN_OR_RETURN(Stmt tenant,
                         db_->Prepare("SELECT address, access_notes FROM tenants WHERE id = ?"));
        tenant.Bind(1, request.tenant_id());
        ASSIGN_OR_RETURN(bool known, tenant.Step());
        if (!known) {
          return absl::NotFoundError(absl::StrCat("unknown tenant '", request.tenant_id(), "'"));
        }
        std::string address =
            !request.site_address().empty() ? request.site_address() : tenant.Text(0);
        std::string access =
            !request.access_notes().empty() ? request.access_notes() : tenant.Text(1);
        if (address.empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat("tenant '", request.tenant_id(),
                           "' has no address on file: give the site address (--address) or set the "
                           "tenant's address first"));
        }
        if (request.incident_id() != 0) {
          ASSIGN_OR_RETURN(Stmt incident,
                           db_->Prepare("SELECT tenant_id FROM incidents WHERE id = ?"));
          incident.Bind(1, request.incident_id());
          ASSIGN_OR_RETURN(bool found, incident.Step());
          // Another tenant's incident is answered as a missing one: an SME's viewer token may
          // open orders, and must learn neither which ids exist nor whose they are.
          if (!found || incident.Text(0) != request.tenant_id()) {
            return absl::NotFoundError(absl::StrCat("tenant '", request.tenant_id(),
                                                    "' has no incident ", request.incident_id()));
          }
        }
        int64_t now = ToMicros(clock_.Now());
        ASSIGN_OR_RETURN(
            Stmt insert,
            db_->Prepare("INSERT INTO work_orders (tenant_id, incident_id, origin, state, reason, "
                         "site_address, access_notes, opened_by, opened_at, updated_at) VALUES (?, "
                         "?, ?, 'requested', ?, ?, ?, ?, ?, ?)"));
        insert.Bind(1, request.tenant_id());
        if (request.incident_id() != 0) {
          insert.Bind(2, request.incident_id());
        } else {
          insert.BindNull(2);
        }
        RETURN_IF_ERROR(insert.Bind(3, WorkOrderOriginName(request.origin()))
                            .Bind(4, request.reason())
                            .Bind(5, address)
                            .Bind(6, access)
                            .Bind(7, request.actor())
                            .Bind(8, now)
                            .Bind(9, now)
                            .Run());
        id = db_->LastInsertRowId();
        v1::WorkOrderEvent opened;
        opened.set_to_state(v1::WORK_ORDER_STATE_REQUESTED);
        SetTime(opened.mutable_at(), now);
        opened.set_actor(request.actor());
        opened.set_action(request.reason());
        RETURN_IF_ERROR(AddEvent(id, opened));
        return AppendAudit(*db_, clock_.Now(),
                           {.actor = request.actor(),
                            .action = "workorder.open",
                            .tenant_id = request.tenant_id(),
                            .target = absl::StrCat("workorder/", id),
                            .detail = WorkOrderOriginName(request.origin())});
      }));
  return Read(id);
}

absl::StatusOr<v1::WorkOrder> SqliteWorkOrders::Advance(
    const v1::AdvanceWorkOrderRequest& request) {
  if (request.actor().empty()) return absl::InvalidArgumentError("actor: who acts is required");
  if (request.cost_yen() < 0 || request.cost_yen() > kMaxCostYen) {
    return absl::InvalidArgumentError(
        absl::StrCat("cost: ", request.cost_yen(), " yen is outside 0 .. ", kMaxCostYen));
  }
  RETURN_IF_ERROR(CheckText("action", request.action()));
  RETURN_IF_ERROR(CheckText("evidence", request.evidence()));
  RETURN_IF_ERROR(CheckText("cost_note", request.cost_note()));
  bool note_only = request.to_state() == v1::WORK_ORDER_STATE_UNSPECIFIED;
  if (note_only && request.action().empty() && request.evidence().empty() &&
      request.cost_yen() == 0) {
    return absl::InvalidArgumentError(
        "nothing to record: give a next state, an action, evidence notes or a cost");
  }
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(
      InImmediateTransaction(*db_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
        ASSIGN_OR_RETURN(v1::WorkOrder order, Read(request.id()));
        v1::WorkOrderState to = note_only ? order.state() : request.to_state();
        if (!note_only) {
          RETURN_IF_ERROR(CheckWorkOrderTransition(order.id(), order.state(), to));
          if (IsEarlyClose(order.state(), to) && request.action().empty()) {
            return absl::InvalidArgumentError(absl::StrCat("work order ", order.id(),
                                                           " closes before containment: say why "
                                                           "(action)"));
          }
          if (to == v1::WORK_ORDER_STATE_CONTAINED && request.action().empty()) {
            return absl::InvalidArgumentError(
                absl::StrCat("work order ", order.id(), ": say what contained it (action)"));
          }
        } else if (order.state() == v1::WORK_ORDER_STATE_CLOSED) {
          return absl::FailedPreconditionError(
              absl::StrCat("work order ", order.id(), " is closed; notes cannot be added"));
        }
        int64_t now = ToMicros(clock_.Now());
        v1::WorkOrderEvent event;
        event.set_from_state(order.state());
        event.set_to_state(to);
        SetTime(event.mutable_at(), now);
        event.set_actor(request.actor());
        event.set_action(request.action());
        event.set_evidence(request.evidence());
        event.set_cost_yen(request.cost_yen());
        event.set_cost_note(request.cost_note());
        RETURN_IF_ERROR(AddEvent(order.id(), event));
        ASSIGN_OR_RETURN(Stmt update,
                         db_->Prepare("UPDATE work_orders SET state = ?, updated_at = ?, "
                                      "total_cost_yen = total_cost_yen + ? WHERE id = ?"));
        RETURN_IF_ERROR(update.Bind(1, WorkOrderStateName(to))
                            .Bind(2, now)
                            .Bind(3, request.cost_yen())
                            .Bind(4, order.id())
                            .Run());
        return AppendAudit(*db_, clock_.Now(),
                           {.actor = request.actor(),
                            .action = note_only ? "workorder.note" : "workorder.advance",
                            .tenant_id = order.tenant_id(),
                            .target = absl::StrCat("workorder/", order.id()),
                            .detail = absl::StrCat(Sv(WorkOrderStateName(order.state())), " -> ",
                                                   Sv(WorkOrderStateName(to)))});
      }));
  return Read(request.id());
}

absl::StatusOr<v1::WorkOrder> SqliteWorkOrders::Get(int64_t id) {
  absl::MutexLock lock(&mu_);
  return Read(id);
}

absl::StatusOr<std::vector<v1::WorkOrder>> SqliteWorkOrders::List(const WorkOrderQuery& query) {
  absl::MutexLock lock(&mu_);
  static const std::string sql =
      absl::StrCat(kSelectOrder,
                   " WHERE (?1 = '' OR tenant_id = ?1) AND (?2 = 0 OR state != 'closed') ORDER BY "
                   "id DESC LIMIT ?3");
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(sql.c_str()));
  stmt.Bind(1, query.tenant_id).Bind(2, query.open_only ? 1 : 0).Bind(3, query.limit);
  std::vector<v1::WorkOrder> orders;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(v1::WorkOrder order, OrderFromRow(stmt));
    orders.push_back(std::move(order));
  }
  return orders;
}

absl::StatusOr<v1::WorkOrder> SqliteWorkOrders::Read(int64_t id) {
  static const std::string sql = absl::StrCat(kSelectOrder, " WHERE id = ?");
  ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(sql.c_str()));
  stmt.Bind(1, id);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return UnknownWorkOrderError(id);
  ASSIGN_OR_RETURN(v1::WorkOrder order, OrderFromRow(stmt));
  ASSIGN_OR_RETURN(Stmt events,
                   db_->Prepare("SELECT from_state, to_state, at, actor, action, evidence, "
                                "cost_yen, cost_note FROM work_order_events WHERE work_order_id = "
                                "? ORDER BY id"));
  events.Bind(1, id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, events.Step());
    if (!row) break;
    v1::WorkOrderEvent* event = order.add_events();
    if (!events.Text(0).empty()) {
      ASSIGN_OR_RETURN(v1::WorkOrderState from, StateColumn(events.Text(0)));
      event->set_from_state(from);
    }
    ASSIGN_OR_RETURN(v1::WorkOrderState to, StateColumn(events.Text(1)));
    event->set_to_state(to);
    SetTime(event->mutable_at(), events.Int(2));
    event->set_actor(events.Text(3));
    event->set_action(events.Text(4));
    event->set_evidence(events.Text(5));
    event->set_cost_yen(events.Int(6));
    event->set_cost_note(events.Text(7));
  }
  return order;
}

absl::Status SqliteWorkOrders::AddEvent(int64_t id, const v1::WorkOrderEvent& event) {
  ASSIGN_OR_RETURN(Stmt insert,
                   db_->Prepare("INSERT INTO work_order_events (work_order_id, from_state, "
                                "to_state, at, actor, action, evidence, cost_yen, cost_note) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  return insert.Bind(1, id)
      .Bind(2, WorkOrderStateName(event.from_state()))
      .Bind(3, WorkOrderStateName(event.to_state()))
      .Bind(4, Micros(event.at()))
      .Bind(5, event.actor())
      .Bind(6, event.action())
      .Bind(7, event.evidence())
      .Bind(8, event.cost_yen())
      .Bind(9, event.cost_note())
      .Run();
}

}  // namespace otasuke::collector
