#include "collector/workorder/work_order_states.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

struct StateInfo {
  v1::WorkOrderState state;
  std::string_view name;
  v1::WorkOrderState next;  // the one regular successor
  bool may_close_early;
};

constexpr StateInfo kStates[] = {
    {v1::WORK_ORDER_STATE_REQUESTED, "requested", v1::WORK_ORDER_STATE_ACCEPTED, true},
    {v1::WORK_ORDER_STATE_ACCEPTED, "accepted", v1::WORK_ORDER_STATE_DEPARTED, true},
    {v1::WORK_ORDER_STATE_DEPARTED, "departed", v1::WORK_ORDER_STATE_ARRIVED, true},
    {v1::WORK_ORDER_STATE_ARRIVED, "arrived", v1::WORK_ORDER_STATE_CONTAINED, false},
    {v1::WORK_ORDER_STATE_CONTAINED, "contained", v1::WORK_ORDER_STATE_CLOSED, false},
    {v1::WORK_ORDER_STATE_CLOSED, "closed", v1::WORK_ORDER_STATE_UNSPECIFIED, false},
};

struct OriginInfo {
  v1::WorkOrderOrigin origin;
  std::string_view name;
};

constexpr OriginInfo kOrigins[] = {
    {v1::WORK_ORDER_ORIGIN_RESPONDER, "responder"},
    {v1::WORK_ORDER_ORIGIN_POLICY, "policy"},
    {v1::WORK_ORDER_ORIGIN_SME_REQUEST, "sme_request"},
};

const StateInfo* Find(v1::WorkOrderState state) {
  for (const StateInfo& info : kStates) {
    if (info.state == state) return &info;
  }
  return nullptr;
}

std::vector<std::string> Allowed(const StateInfo& info) {
  std::vector<std::string> out;
  if (info.next != v1::WORK_ORDER_STATE_UNSPECIFIED) {
    out.emplace_back(WorkOrderStateName(info.next));
  }
  if (info.may_close_early) out.emplace_back("closed");
  return out;
}

}  // namespace

std::string_view WorkOrderStateName(v1::WorkOrderState state) {
  const StateInfo* info = Find(state);
  return info != nullptr ? info->name : "";
}

absl::StatusOr<v1::WorkOrderState> ParseWorkOrderState(std::string_view name) {
  std::vector<std::string> names;
  for (const StateInfo& info : kStates) {
    if (info.name == name) return info.state;
    names.emplace_back(info.name);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown work-order state '", Sv(name),
                                                 "' (states: ", absl::StrJoin(names, ", "), ")"));
}

std::string_view WorkOrderOriginName(v1::WorkOrderOrigin origin) {
  for (const OriginInfo& info : kOrigins) {
    if (info.origin == origin) return info.name;
  }
  return "";
}

absl::StatusOr<v1::WorkOrderOrigin> ParseWorkOrderOrigin(std::string_view name) {
  // "sme-request" reads like the other otasukectl words; the stored name is sme_request.
  std::string canonical(name);
  std::replace(canonical.begin(), canonical.end(), '-', '_');
  std::vector<std::string> names;
  for (const OriginInfo& info : kOrigins) {
    if (info.name == canonical) return info.origin;
    names.emplace_back(info.name);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown work-order origin '", Sv(name),
                                                 "' (origins: ", absl::StrJoin(names, ", "), ")"));
}

absl::Status CheckWorkOrderTransition(int64_t id, v1::WorkOrderState from, v1::WorkOrderState to) {
  const StateInfo* info = Find(from);
  if (info == nullptr) {
    return absl::InternalError(absl::StrCat("work order ", id, " has no valid state"));
  }
  if (to == info->next || (to == v1::WORK_ORDER_STATE_CLOSED && info->may_close_early)) {
    return absl::OkStatus();
  }
  std::vector<std::string> allowed = Allowed(*info);
  std::string target =
      Find(to) != nullptr ? absl::StrCat("'", Sv(WorkOrderStateName(to)), "'") : "no state";
  if (allowed.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "work order ", id, " is closed; it cannot go to ", target, " (open a new one)"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("work order ", id, " is '", Sv(info->name), "': it can go to ",
                   absl::StrJoin(allowed, " or "), ", not to ", target));
}

bool IsEarlyClose(v1::WorkOrderState from, v1::WorkOrderState to) {
  return to == v1::WORK_ORDER_STATE_CLOSED && from != v1::WORK_ORDER_STATE_CONTAINED;
}

}  // namespace otasuke::collector
