// reference:type,value; kept in the rule info
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  value = TrimValue(value);
  if (value.find(",") == std::string_view::npos) {
    return absl::InvalidArgumentError("reference needs type,value");
  }
  context.rule.info.references.emplace_back(value);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kReferenceKeyword = {
    .name = "reference",
    .help = "reference:type,value; kept in the rule info",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
