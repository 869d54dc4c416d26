// rawbytes; accepted for compatibility (buffers are raw already)
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(ContentMatcher * content, context.LastContent("rawbytes"));
  (void)content;
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kRawbytesKeyword = {
    .name = "rawbytes",
    .help = "rawbytes; accepted for compatibility (buffers are raw already)",
    .value = KeywordValue::kNone,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
