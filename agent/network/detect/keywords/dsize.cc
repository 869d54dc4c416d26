// dsize:N|<N|>N|N<>M|!N; payload size of the packet
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  if (context.rule.dsize) return absl::InvalidArgumentError("dsize given twice");
  ASSIGN_OR_RETURN(context.rule.dsize, ParseNumericTest(value, 65535));
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kDsizeKeyword = {
    .name = "dsize",
    .help = "dsize:N|<N|>N|N<>M|!N; payload size of the packet",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
