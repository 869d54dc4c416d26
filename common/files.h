#pragma once
// Whole-file reads and atomic, owner-only writes: the state, key and token files of the agent
// and the collector go through these, so each is either the old or the new content, never half.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otasuke {

// Writes `content` to `path` atomically with mode 0600: a temporary file beside it, fsync,
// rename.
absl::Status WriteFileAtomically(const std::string& path, std::string_view content);
// Reads a whole file; NotFound when it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace otasuke
