// icode:N|<N|>N|N<>M; ICMP code
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  if (context.rule.icode) return absl::InvalidArgumentError("icode given twice");
  ASSIGN_OR_RETURN(context.rule.icode, ParseNumericTest(value, 255));
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kIcodeKeyword = {
    .name = "icode",
    .help = "icode:N|<N|>N|N<>M; ICMP code",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
