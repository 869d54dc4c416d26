#pragma once
// Turns rule files on disk into a RuleSet for PushRuleSet. The format comes from the extension:
// .yml/.yaml Sigma, .rules Suricata, .txt/.ioc IOC lists. A directory contributes every such
// file under it (sorted, recursively); other files there are skipped.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "otasuke/v1/agent_service.pb.h"

namespace otasuke::ctl {

// The format for a file name, or RULE_FORMAT_UNSPECIFIED.
v1::RuleFormat RuleFormatForPath(const std::string& path);

// Reads `paths` (files or directories). `version` empty: derived from the content
// ("sha256-<first 12 hex digits>"), so pushing the same files twice gives the same version.
absl::StatusOr<v1::RuleSet> LoadRuleBundle(const std::vector<std::string>& paths,
                                           const std::string& version, size_t max_bytes);

}  // namespace otasuke::ctl
