// rev:N; the rule revision
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(int64_t rev, ParseInteger(value, 0, UINT32_MAX));
  context.rule.info.rev = static_cast<uint32_t>(rev);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kRevKeyword = {
    .name = "rev",
    .help = "rev:N; the rule revision",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
