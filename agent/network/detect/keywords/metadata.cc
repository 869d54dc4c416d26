// metadata:key value, key value; reported in alerts
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  for (std::string_view item : SplitArgs(value)) {
    if (item.empty()) continue;
    const size_t space = item.find_first_of(" \t");
    if (space == std::string_view::npos) {
      context.rule.info.metadata.emplace_back(std::string(item), std::string());
    } else {
      context.rule.info.metadata.emplace_back(std::string(item.substr(0, space)),
                                              std::string(TrimValue(item.substr(space + 1))));
    }
  }
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kMetadataKeyword = {
    .name = "metadata",
    .help = "metadata:key value, key value; reported in alerts",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
