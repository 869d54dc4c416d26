// startswith; the preceding content starts the buffer
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(ContentMatcher * content, context.LastContent("startswith"));
  if (content->offset || content->depth || content->relative()) {
    return absl::InvalidArgumentError(
        "startswith cannot be combined with offset/depth/distance/within");
  }
  content->startswith = true;
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kStartswithKeyword = {
    .name = "startswith",
    .help = "startswith; the preceding content starts the buffer",
    .value = KeywordValue::kNone,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
