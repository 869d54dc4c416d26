#pragma once
// What each console role may do: one explicit table (kRolePermissions in permissions.cc), so the
// whole policy reads in one place and docs/IDENTITY.md mirrors it.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "collector/auth/principal.h"

namespace otasuke::collector {

enum class Permission {
  kReadAgents,
  kReadAlerts,
  kReadIncidents,
  kPushRules,
  kManageEnrollment,  // create and list enrollment tokens
  kRevokeAgents,
  kManageConsoleTokens,
  kReadWorkOrders,
  kManageWorkOrders,  // open and advance on-site work orders
  kRequestVisit,      // open a work order the customer asks for (origin sme_request)
  kReadReports,       // a tenant's monthly report
  kReadKpis,          // programme KPIs across tenants
  kAdvanceTestClock,  // move the manual clock of a test collector (--clock manual)
  kReadNotifications,
  kReadTenants,       // tenant records (a viewer: its own)
  kManageTenants,     // tenants, regions, bulk import
  kReadResponders,    // responders, rota entries, who is on call
  kManageResponders,  // responders and rota entries
  kManageIncidents,   // acknowledge, assign, note, merge, split, resolve
  kReadAudit,         // the audit log
};

std::string_view PermissionName(Permission permission);

// OK when `principal` may do `permission` on `tenant_id` (empty: every tenant). A viewer is
// limited to its own tenant; every other role is not tenant-scoped. PermissionDenied otherwise,
// naming the role and what it tried.
absl::Status Authorize(const Principal& principal, Permission permission,
                       std::string_view tenant_id);

// The role half of Authorize: PermissionDenied when the role may not do `permission` on any
// tenant.
absl::Status AuthorizeRole(const Principal& principal, Permission permission);

// The tenant half, for one stored record (an incident, a work order) whose tenant is known only
// once it is read, after AuthorizeRole passed: a record outside a viewer's tenant is answered
// with `missing`, the NotFound an unused id gets, so a viewer cannot tell another tenant's ids
// from unused ones.
absl::Status AuthorizeRecordTenant(const Principal& principal, std::string_view record_tenant,
                                   absl::Status missing);

// The tenant a read actually covers: a viewer asking for "every tenant" gets its own; anyone
// else gets what they asked for. Then authorized as Authorize does.
absl::StatusOr<std::string> AuthorizeScoped(const Principal& principal, Permission permission,
                                            std::string_view requested_tenant);

}  // namespace otasuke::collector
