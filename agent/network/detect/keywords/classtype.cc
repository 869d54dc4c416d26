// classtype:name; category and priority from classification.config
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  const std::string name(TrimValue(value));
  context.rule.info.classtype = name;
  if (context.classifications == nullptr) return absl::OkStatus();
  auto it = context.classifications->find(name);
  if (it == context.classifications->end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown classtype '", name, "'"));
  }
  context.rule.info.category = it->second.description;
  if (!context.priority_set) context.rule.info.priority = it->second.priority;
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kClasstypeKeyword = {
    .name = "classtype",
    .help = "classtype:name; category and priority from classification.config",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
