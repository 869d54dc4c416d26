#pragma once
// Who is calling the console API: the name of the token they presented, its role and, for an
// SME viewer, the one tenant it may see. Made only by ConsoleTokenStore::Lookup.

#include <optional>
#include <string>
#include <string_view>

namespace otasuke::collector {

enum class Role {
  kAdmin,      // everything, including console tokens
  kLead,       // helper-team lead: pushes rules, enrolls and revokes agents
  kResponder,  // reads every tenant, changes nothing
  kViewer,     // an SME's own view: reads its tenant only
};

std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

struct Principal {
  std::string token_name;
  Role role = Role::kViewer;
  std::string tenant_id;  // set for viewers only

  // The audit log's actor for this caller.
  std::string Actor() const { return "token:" + token_name; }
};

}  // namespace otasuke::collector
