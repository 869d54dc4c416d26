// target:src_ip|dest_ip; which side is the target
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  value = TrimValue(value);
  if (value == "src_ip") {
    context.rule.info.target = AlertTarget::kSrcIp;
  } else if (value == "dest_ip") {
    context.rule.info.target = AlertTarget::kDestIp;
  } else {
    return absl::InvalidArgumentError("target must be src_ip or dest_ip");
  }
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kTargetKeyword = {
    .name = "target",
    .help = "target:src_ip|dest_ip; which side is the target",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
