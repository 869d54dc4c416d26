// bsize:N|<N|>N|N<>M; the current sticky buffer's length.
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  if (context.current_buffer == BufferId::kPktData) {
    return absl::InvalidArgumentError("bsize needs a sticky buffer");
  }
  ASSIGN_OR_RETURN(NumericTest test, ParseNumericTest(value, UINT32_MAX));
  context.AddMatcher(BufferSizeMatcher{test});
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kBsizeKeyword = {
    .name = "bsize",
    .help = "bsize:N|<N|>N|N<>M; length of the current sticky buffer",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
