#pragma once
// The agent's durable identity: its id and the top of its reserved alert-sequence block,
// kept in <state_dir>/agent-state.json and replaced atomically (write, fsync, rename).
// Sequences are reserved in blocks so the file is written once per block, not per alert;
// after a crash the agent continues above the reserved block, so a sequence is never reused
// and the collector's (agent, sequence) idempotence stays sound.

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/files.h"

namespace otasuke::agent {

class AgentState {
 public:
  static constexpr uint64_t kSequenceBlock = 1024;

  // Loads the state file, or creates it with a new agent id (or `configured_id` if not
  // empty). A configured id that differs from the stored one replaces it and restarts
  // sequences above the stored reservation.
  static absl::StatusOr<std::unique_ptr<AgentState>> Open(const std::string& state_dir,
                                                          const std::string& configured_id);

  const std::string& agent_id() const { return agent_id_; }

  // The next alert sequence (starts at 1, strictly increasing across restarts).
  absl::StatusOr<uint64_t> NextSequence();

 private:
  AgentState(std::string path, std::string agent_id, uint64_t reserved)
      : path_(std::move(path)),
        agent_id_(std::move(agent_id)),
        next_(reserved + 1),
        reserved_(reserved) {}
  absl::Status Persist(uint64_t reserved) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const std::string agent_id_;
  absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_);
  uint64_t reserved_ ABSL_GUARDED_BY(mu_);
};

// Kept under their old names for the agent's callers.
using ::otasuke::ReadFile;
using ::otasuke::WriteFileAtomically;

}  // namespace otasuke::agent
