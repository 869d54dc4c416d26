// sid:N; the rule id
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(int64_t sid, ParseInteger(value, 1, UINT32_MAX));
  context.rule.info.sid = static_cast<uint32_t>(sid);
  context.saw_sid = true;
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kSidKeyword = {
    .name = "sid",
    .help = "sid:N; the rule id",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
