// detection_filter:track by_src|by_dst|by_rule|by_both, count N, seconds M; alerts only after
// the rule matched more than N times within M seconds.
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  if (context.rule.detection_filter)
    return absl::InvalidArgumentError("detection_filter given twice");
  ASSIGN_OR_RETURN(ThresholdSpec spec, ParseThresholdArgs(value, /*needs_type=*/false));
  spec.type = ThresholdSpec::Type::kDetectionFilter;
  context.rule.detection_filter = spec;
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kDetectionFilterKeyword = {
    .name = "detection_filter",
    .help = "detection_filter:track by_src|by_dst|by_rule|by_both,count N,seconds M",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
