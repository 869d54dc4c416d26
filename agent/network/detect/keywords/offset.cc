// offset:N; the preceding content starts at or after byte N
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(ContentMatcher * content, context.LastContent("offset"));
  if (content->offset) return absl::InvalidArgumentError("offset given twice");
  if (content->relative()) {
    return absl::InvalidArgumentError("offset cannot be combined with distance/within");
  }
  if (content->startswith) return absl::InvalidArgumentError("offset after startswith");
  ASSIGN_OR_RETURN(int64_t offset, ParseInteger(value, 0, 65535));
  content->offset = static_cast<int32_t>(offset);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kOffsetKeyword = {
    .name = "offset",
    .help = "offset:N; the preceding content starts at or after byte N",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
