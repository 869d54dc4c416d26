// isdataat:[!]N[,relative][,rawbytes]; data exists at offset N (of the buffer or the last match).
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  IsDataAtMatcher matcher;
  auto args = SplitArgs(value);
  std::string_view first = args[0];
  if (!first.empty() && first.front() == '!') {
    matcher.negated = true;
    first = TrimValue(first.substr(1));
  }
  ASSIGN_OR_RETURN(int64_t offset, ParseInteger(first, 0, 65535));
  matcher.offset = static_cast<int32_t>(offset);
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "relative") {
      matcher.relative = true;
    } else if (args[i] != "rawbytes") {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown isdataat option '", Sv(args[i]), "'"));
    }
  }
  context.AddMatcher(matcher);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kIsdataatKeyword = {
    .name = "isdataat",
    .help = "isdataat:[!]N[,relative]; the buffer has data at offset N",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
