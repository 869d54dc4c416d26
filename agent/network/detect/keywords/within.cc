// within:N; the preceding content ends within N bytes after the previous match
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(ContentMatcher * content, context.LastContent("within"));
  if (content->within) return absl::InvalidArgumentError("within given twice");
  if (content->offset || content->depth || content->startswith) {
    return absl::InvalidArgumentError("within cannot be combined with offset/depth/startswith");
  }
  ASSIGN_OR_RETURN(int64_t within, ParseInteger(value, 1, 65535));
  if (static_cast<size_t>(within) < content->pattern.size()) {
    return absl::InvalidArgumentError("within is smaller than the content");
  }
  content->within = static_cast<int32_t>(within);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kWithinKeyword = {
    .name = "within",
    .help = "within:N; the preceding content ends within N bytes after the previous match",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
