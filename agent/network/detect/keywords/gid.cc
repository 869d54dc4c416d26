// gid:N; the generator id (default 1)
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  ASSIGN_OR_RETURN(int64_t gid, ParseInteger(value, 0, UINT32_MAX));
  context.rule.info.gid = static_cast<uint32_t>(gid);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kGidKeyword = {
    .name = "gid",
    .help = "gid:N; the generator id (default 1)",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
