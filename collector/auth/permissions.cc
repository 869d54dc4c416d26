#include "collector/auth/permissions.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

struct RolePermissions {
  Role role;
  std::string_view name;
  std::initializer_list<Permission> allowed;
};

// The policy. Issue 5: "a responder cannot push rules; an SME viewer sees only its own tenant";
// "the customer may always ask for a visit": a viewer may request one for its own tenant.
const RolePermissions kRolePermissions[] = {
    {Role::kAdmin, "admin", {Permission::kReadAgents,          Permission::kReadAlerts,
                             Permission::kReadIncidents,       Permission::kPushRules,
                             Permission::kManageEnrollment,    Permission::kRevokeAgents,
                             Permission::kManageConsoleTokens, Permission::kReadWorkOrders,
                             Permission::kManageWorkOrders,    Permission::kRequestVisit,
                             Permission::kReadReports,         Permission::kReadKpis,
                             Permission::kAdvanceTestClock,    Permission::kReadNotifications,
                             Permission::kReadTenants,         Permission::kManageTenants,
                             Permission::kReadResponders,      Permission::kManageResponders,
                             Permission::kManageIncidents,     Permission::kReadAudit}},
    {Role::kLead,
     "lead",
     {Permission::kReadAgents, Permission::kReadAlerts, Permission::kReadIncidents,
      Permission::kPushRules, Permission::kManageEnrollment, Permission::kRevokeAgents,
      Permission::kReadWorkOrders, Permission::kManageWorkOrders, Permission::kRequestVisit,
      Permission::kReadReports, Permission::kReadKpis, Permission::kReadNotifications,
      Permission::kReadTenants, Permission::kReadResponders, Permission::kManageResponders,
      Permission::kManageIncidents, Permission::kReadAudit}},
    {Role::kResponder,
     "responder",
     {Permission::kReadAgents, Permission::kReadAlerts, Permission::kReadIncidents,
      Permission::kReadWorkOrders, Permission::kManageWorkOrders, Permission::kRequestVisit,
      Permission::kReadReports, Permission::kReadNotifications, Permission::kReadTenants,
      Permission::kReadResponders, Permission::kManageIncidents}},
    {Role::kViewer,
     "viewer",
     {Permission::kReadAgents, Permission::kReadAlerts, Permission::kReadIncidents,
      Permission::kReadWorkOrders, Permission::kRequestVisit, Permission::kReadReports,
      Permission::kReadTenants}},
};

const RolePermissions& Entry(Role role) {
  for (const RolePermissions& entry : kRolePermissions) {
    if (entry.role == role) return entry;
  }
  return kRolePermissions[std::size(kRolePermissions) - 1];  // unreachable: every role is listed
}

}  // namespace

std::string_view RoleName(Role role) { return Entry(role).name; }

std::string Principal::Actor() const {
  return absl::StrCat(
      "token:", token_name, "#", token_id, " (", Sv(RoleName(role)),
      responder.empty() ? "" : absl::StrCat(", responder ", responder, "#", responder_id), ")");
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const RolePermissions& entry : kRolePermissions) {
    if (entry.name == name) return entry.role;
  }
  return std::nullopt;
}

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kReadAgents:
      return "read agents";
    case Permission::kReadAlerts:
      return "read alerts";
    case Permission::kReadIncidents:
      return "read incidents";
    case Permission::kPushRules:
      return "push rules";
    case Permission::kManageEnrollment:
      return "manage enrollment tokens";
    case Permission::kRevokeAgents:
      return "revoke agents";
    case Permission::kManageConsoleTokens:
      return "manage console tokens";
    case Permission::kReadWorkOrders:
      return "read work orders";
    case Permission::kManageWorkOrders:
      return "open or advance work orders";
    case Permission::kRequestVisit:
      return "request a visit";
    case Permission::kReadReports:
      return "read reports";
    case Permission::kReadKpis:
      return "read programme KPIs";
    case Permission::kAdvanceTestClock:
      return "move the test clock";
    case Permission::kReadNotifications:
      return "read notifications";
    case Permission::kReadAudit:
      return "read the audit log";
    case Permission::kReadTenants:
      return "read tenants";
    case Permission::kManageTenants:
      return "manage tenants and regions";
    case Permission::kReadResponders:
      return "read responders and rotas";
    case Permission::kManageResponders:
      return "manage responders and rotas";
    case Permission::kManageIncidents:
      return "change incidents";
  }
  return "?";
}

absl::Status AuthorizeRole(const Principal& principal, Permission permission) {
  const RolePermissions& entry = Entry(principal.role);
  for (Permission p : entry.allowed) {
    if (p == permission) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat("token '", principal.token_name, "' (role ",
                                                  Sv(entry.name), ") may not ",
                                                  Sv(PermissionName(permission))));
}

absl::Status AuthorizeRecordTenant(const Principal& principal, std::string_view record_tenant,
                                   absl::Status missing) {
  if (principal.role == Role::kViewer && record_tenant != principal.tenant_id) return missing;
  return absl::OkStatus();
}

absl::Status Authorize(const Principal& principal, Permission permission,
                       std::string_view tenant_id) {
  RETURN_IF_ERROR(AuthorizeRole(principal, permission));
  if (principal.role == Role::kViewer && tenant_id != principal.tenant_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        "token '", principal.token_name, "' (viewer of tenant ", principal.tenant_id, ") may not ",
        Sv(PermissionName(permission)), " of ",
        tenant_id.empty() ? std::string("every tenant") : absl::StrCat("tenant ", Sv(tenant_id))));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AuthorizeScoped(const Principal& principal, Permission permission,
                                            std::string_view requested_tenant) {
  std::string tenant(requested_tenant);
  if (principal.role == Role::kViewer && tenant.empty()) tenant = principal.tenant_id;
  absl::Status status = Authorize(principal, permission, tenant);
  if (!status.ok()) return status;
  return tenant;
}

}  // namespace otasuke::collector
