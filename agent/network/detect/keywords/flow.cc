// flow:established|not_established|stateless, to_server|to_client|from_server|from_client,
//   only_stream|no_stream; flow state and direction of the packet.
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  Rule& rule = context.rule;
  for (std::string_view option : SplitArgs(value)) {
    if (option == "established") {
      rule.flow_established = true;
    } else if (option == "not_established") {
      rule.flow_not_established = true;
    } else if (option == "stateless") {
      // matches with or without flow state
    } else if (option == "to_server" || option == "from_client") {
      rule.flow_to_server = true;
    } else if (option == "to_client" || option == "from_server") {
      rule.flow_to_client = true;
    } else if (option == "only_stream") {
      rule.only_stream = true;
    } else if (option == "no_stream") {
      rule.no_stream = true;
    } else if (option == "only_frag" || option == "no_frag") {
      return absl::UnimplementedError(absl::StrCat("flow option '", Sv(option), "'"));
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flow option '", Sv(option), "'"));
    }
  }
  if (rule.flow_established && rule.flow_not_established) {
    return absl::InvalidArgumentError("flow: established and not_established together");
  }
  if (rule.flow_to_server && rule.flow_to_client) {
    return absl::InvalidArgumentError("flow: to_server and to_client together");
  }
  if (rule.only_stream && rule.no_stream) {
    return absl::InvalidArgumentError("flow: only_stream and no_stream together");
  }
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kFlowKeyword = {
    .name = "flow",
    .help =
        "flow:established|not_established|stateless,to_server|to_client|from_server|"
        "from_client,only_stream|no_stream",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
