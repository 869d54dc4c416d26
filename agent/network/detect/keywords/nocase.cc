// nocase; the preceding content ignores ASCII case
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(ContentMatcher * content, context.LastContent("nocase"));
  if (content->nocase) return absl::InvalidArgumentError("nocase given twice");
  content->nocase = true;
  for (char& c : content->pattern)
    c = static_cast<char>(absl::ascii_tolower(static_cast<unsigned char>(c)));
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kNocaseKeyword = {
    .name = "nocase",
    .help = "nocase; the preceding content ignores ASCII case",
    .value = KeywordValue::kNone,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
