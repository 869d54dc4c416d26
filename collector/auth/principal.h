#pragma once
// Who is calling the console API: the token they presented (id and name), its role, for an SME
// viewer the one tenant it may see, and the responder the token is bound to, if any. Made only by
// ConsoleTokenStore::Lookup.

#include <cstdint>
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
  int64_t token_id = 0;
  int64_t responder_id = 0;  // the responder the token is bound to; 0: none
  std::string responder;     // their handle

  // The audit log's actor: "token:<name>#<id> (<role>[, responder <handle>#<id>])", so a record
  // names the token (ids are never reused, names may be after a revoke), its role and person.
  std::string Actor() const;
};

}  // namespace otasuke::collector
