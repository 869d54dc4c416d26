// depth:N; the preceding content lies within N bytes from its offset
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(ContentMatcher * content, context.LastContent("depth"));
  if (content->depth) return absl::InvalidArgumentError("depth given twice");
  if (content->relative()) {
    return absl::InvalidArgumentError("depth cannot be combined with distance/within");
  }
  if (content->startswith) return absl::InvalidArgumentError("depth after startswith");
  ASSIGN_OR_RETURN(int64_t depth, ParseInteger(value, 1, 65535));
  if (static_cast<size_t>(depth) < content->pattern.size()) {
    return absl::InvalidArgumentError("depth is smaller than the content");
  }
  content->depth = static_cast<int32_t>(depth);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kDepthKeyword = {
    .name = "depth",
    .help = "depth:N; the preceding content lies within N bytes from its offset",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
