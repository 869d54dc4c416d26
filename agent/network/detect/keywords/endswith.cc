// endswith; the preceding content ends the buffer
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(ContentMatcher * content, context.LastContent("endswith"));
  content->endswith = true;
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kEndswithKeyword = {
    .name = "endswith",
    .help = "endswith; the preceding content ends the buffer",
    .value = KeywordValue::kNone,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
