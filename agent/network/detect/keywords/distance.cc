// distance:N; the preceding content starts N bytes after the previous match
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(ContentMatcher * content, context.LastContent("distance"));
  if (content->distance) return absl::InvalidArgumentError("distance given twice");
  if (content->offset || content->depth || content->startswith) {
    return absl::InvalidArgumentError("distance cannot be combined with offset/depth/startswith");
  }
  ASSIGN_OR_RETURN(int64_t distance, ParseInteger(value, -65535, 65535));
  content->distance = static_cast<int32_t>(distance);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kDistanceKeyword = {
    .name = "distance",
    .help = "distance:N; the preceding content starts N bytes after the previous match",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
