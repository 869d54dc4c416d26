// noalert; the rule matches (flowbits, thresholds) but never alerts
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  context.rule.noalert = true;
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kNoalertKeyword = {
    .name = "noalert",
    .help = "noalert; the rule matches (flowbits, thresholds) but never alerts",
    .value = KeywordValue::kNone,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
