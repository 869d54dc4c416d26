// flowbits:set|unset|toggle|isset|isnotset,name[|name..|&name..]; flowbits:noalert;
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  const size_t comma = value.find(',');
  const std::string_view command = TrimValue(value.substr(0, comma));
  if (command == "noalert") {
    if (comma != std::string_view::npos)
      return absl::InvalidArgumentError("flowbits:noalert takes no name");
    context.rule.noalert = true;
    return absl::OkStatus();
  }
  FlowbitAction action;
  bool is_check = false;
  if (command == "set") {
    action.op = FlowbitOp::kSet;
  } else if (command == "unset") {
    action.op = FlowbitOp::kUnset;
  } else if (command == "toggle") {
    action.op = FlowbitOp::kToggle;
  } else if (command == "isset") {
    action.op = FlowbitOp::kIsSet;
    is_check = true;
  } else if (command == "isnotset") {
    action.op = FlowbitOp::kIsNotSet;
    is_check = true;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown flowbits command '", Sv(command), "'"));
  }
  if (comma == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("flowbits:", Sv(command), " needs a name"));
  }
  std::string_view names = TrimValue(value.substr(comma + 1));
  const bool any_of = names.find('|') != std::string_view::npos;
  const bool all_of = names.find('&') != std::string_view::npos;
  if (any_of && all_of) return absl::InvalidArgumentError("flowbits mixes '|' and '&'");
  if (any_of && !is_check) return absl::InvalidArgumentError("'|' only works with isset/isnotset");
  action.all_of = !any_of;
  size_t start = 0;
  for (size_t i = 0; i <= names.size(); ++i) {
    if (i == names.size() || names[i] == '|' || names[i] == '&') {
      const std::string_view name = TrimValue(names.substr(start, i - start));
      if (name.empty() || name.find_first_of(" \t,") != std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("bad flowbit name '", Sv(name), "'"));
      }
      action.bits.push_back(context.flowbits.Intern(name));
      start = i + 1;
    }
  }
  (is_check ? context.rule.flowbit_checks : context.rule.flowbit_actions).push_back(action);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kFlowbitsKeyword = {
    .name = "flowbits",
    .help = "flowbits:set|unset|toggle|isset|isnotset,name; flowbits:noalert",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
