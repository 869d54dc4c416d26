// priority:N; overrides the classtype priority (1 highest)
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(int64_t priority, ParseInteger(value, 1, 255));
  context.rule.info.priority = static_cast<int>(priority);
  context.priority_set = true;
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kPriorityKeyword = {
    .name = "priority",
    .help = "priority:N; overrides the classtype priority (1 highest)",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
