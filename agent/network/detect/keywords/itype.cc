// itype:N|<N|>N|N<>M; ICMP type
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  if (context.rule.itype) return absl::InvalidArgumentError("itype given twice");
  ASSIGN_OR_RETURN(context.rule.itype, ParseNumericTest(value, 255));
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kItypeKeyword = {
    .name = "itype",
    .help = "itype:N|<N|>N|N<>M; ICMP type",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
