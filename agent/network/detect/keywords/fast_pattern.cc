// fast_pattern[:only|:offset,length]; picks the preceding content for the prefilter.
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(ContentMatcher * content, context.LastContent("fast_pattern"));
  if (content->fast_pattern) return absl::InvalidArgumentError("fast_pattern given twice");
  for (const auto& chain : context.rule.chains) {
    for (const auto& matcher : chain.matchers) {
      if (const auto* other = std::get_if<ContentMatcher>(&matcher);
          other != nullptr && other->fast_pattern) {
        return absl::InvalidArgumentError("only one content may be fast_pattern");
      }
    }
  }
  value = TrimValue(value);
  if (value == "only") {
    if (content->negated)
      return absl::InvalidArgumentError("fast_pattern:only on a negated content");
    content->fast_pattern_only = true;
  } else if (!value.empty()) {
    const auto args = SplitArgs(value);
    if (args.size() != 2)
      return absl::InvalidArgumentError("fast_pattern takes 'only' or offset,length");
    ASSIGN_OR_RETURN(int64_t offset, ParseInteger(args[0], 0, 65535));
    ASSIGN_OR_RETURN(int64_t length, ParseInteger(args[1], 1, 65535));
    if (static_cast<size_t>(offset + length) > content->pattern.size()) {
      return absl::InvalidArgumentError("fast_pattern chop lies outside the content");
    }
    content->fast_pattern_offset = static_cast<int32_t>(offset);
    content->fast_pattern_length = static_cast<int32_t>(length);
  }
  content->fast_pattern = true;
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kFastPatternKeyword = {
    .name = "fast_pattern",
    .help = "fast_pattern[:only|:offset,length]; use the preceding content in the prefilter",
    .value = KeywordValue::kOptional,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
