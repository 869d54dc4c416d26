// byte_jump:bytes,offset[,relative][,multiplier N][,big|little][,string,hex|dec|oct][,align]
//   [,from_beginning|from_end][,post_offset N][,bitmask M]
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  const auto args = SplitArgs(value);
  if (args.size() < 2) return absl::InvalidArgumentError("byte_jump needs bytes,offset");
  ByteJumpMatcher matcher;
  ASSIGN_OR_RETURN(int64_t bytes, ParseInteger(args[0], 1, 10));
  matcher.bytes = static_cast<uint8_t>(bytes);
  auto offset = ParseInteger(args[1], -65535, 65535);
  if (!offset.ok()) {
    return absl::UnimplementedError(
        absl::StrCat("byte_jump offset '", Sv(args[1]), "' (byte_extract variables)"));
  }
  matcher.offset = static_cast<int32_t>(*offset);
  std::vector<std::string_view> common;
  for (size_t i = 2; i < args.size(); ++i) {
    const std::string_view option = args[i];
    if (option == "align") {
      matcher.align = true;
    } else if (option == "from_beginning") {
      matcher.from_beginning = true;
    } else if (option == "from_end") {
      matcher.from_end = true;
    } else if (option.substr(0, 10) == "multiplier") {
      ASSIGN_OR_RETURN(int64_t m, ParseInteger(option.substr(10), 1, 65535));
      matcher.multiplier = static_cast<uint32_t>(m);
    } else if (option.substr(0, 11) == "post_offset") {
      ASSIGN_OR_RETURN(int64_t p, ParseInteger(option.substr(11), -65535, 65535));
      matcher.post_offset = static_cast<int32_t>(p);
    } else {
      common.push_back(option);
    }
  }
  RETURN_IF_ERROR(ParseByteOptions(common, &matcher.relative, &matcher.little_endian,
                                   &matcher.string, &matcher.base, &matcher.bitmask));
  if (matcher.from_beginning && matcher.from_end) {
    return absl::InvalidArgumentError("byte_jump: from_beginning and from_end together");
  }
  if (!matcher.string && matcher.bytes > 8) {
    return absl::InvalidArgumentError("byte_jump reads at most 8 bytes unless 'string'");
  }
  context.AddMatcher(matcher);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kByteJumpKeyword = {
    .name = "byte_jump",
    .help =
        "byte_jump:bytes,offset[,relative][,multiplier N][,big|little][,string,hex|dec|oct]"
        "[,align][,from_beginning|from_end][,post_offset N]; moves the match cursor",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
