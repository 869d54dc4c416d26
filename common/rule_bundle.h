#pragma once
// Turns rule files on disk into a RuleSet bundle: for `otasukectl rules push` and for the
// agent's local rules, so both name formats and versions alike. The format comes from the
// file name: explanations.yaml / *.explanations.yaml SME texts, other .yml/.yaml Sigma,
// .rules Suricata, .ioc IOC lists. A directory contributes every such file under it (sorted,
// recursively); other files there (README, notes) are skipped.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "otasuke/v1/agent_service.pb.h"

namespace otasuke {

// The format for a file name, or RULE_FORMAT_UNSPECIFIED.
otasuke::v1::RuleFormat RuleFormatForPath(const std::string& path);

// Reads `paths` (files or directories). `version` empty: derived from the content
// ("sha256-<first 12 hex digits>"), so pushing the same files twice gives the same version.
// `max_bytes` bounds the total content (a pushed set must fit in one message).
absl::StatusOr<otasuke::v1::RuleSet> LoadRuleBundle(const std::vector<std::string>& paths,
                                                    const std::string& version = "",
                                                    size_t max_bytes = size_t{1} << 30);

}  // namespace otasuke
