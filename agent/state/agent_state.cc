#include "agent/state/agent_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "nlohmann/json.hpp"

namespace otasuke::agent {
namespace {

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<AgentState>> AgentState::Open(const std::string& state_dir,
                                                             const std::string& configured_id) {
  if (::mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError("cannot create state directory", state_dir);
  }
  const std::string path = state_dir + "/agent-state.json";
  std::string agent_id;
  uint64_t reserved = 0;
  absl::StatusOr<std::string> content = ReadFile(path);
  if (content.ok()) {
    nlohmann::json doc = nlohmann::json::parse(*content, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("agent_id") ||
        !doc["agent_id"].is_string() || !doc.contains("sequence_reserved") ||
        !doc["sequence_reserved"].is_number_unsigned()) {
      return absl::DataLossError(
          absl::StrCat(path,
                       ": not a valid agent state (expected {\"agent_id\": string, "
                       "\"sequence_reserved\": number}); move it away to re-enroll this agent"));
    }
    agent_id = doc["agent_id"].get<std::string>();
    reserved = doc["sequence_reserved"].get<uint64_t>();
  } else if (!absl::IsNotFound(content.status())) {
    return content.status();
  }
  if (!configured_id.empty()) {
    agent_id = configured_id;
  } else if (agent_id.empty()) {
    agent_id = NewUuid();
  }
  auto state = std::unique_ptr<AgentState>(new AgentState(path, agent_id, reserved));
  {
    absl::MutexLock lock(&state->mu_);
    RETURN_IF_ERROR(state->Persist(reserved));
  }
  return state;
}

absl::Status AgentState::Persist(uint64_t reserved) {
  nlohmann::json doc = {{"agent_id", agent_id_}, {"sequence_reserved", reserved}};
  RETURN_IF_ERROR(WriteFileAtomically(path_, doc.dump() + "\n"));
  reserved_ = reserved;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> AgentState::NextSequence() {
  absl::MutexLock lock(&mu_);
  if (next_ > reserved_) RETURN_IF_ERROR(Persist(reserved_ + kSequenceBlock));
  return next_++;
}

}  // namespace otasuke::agent
