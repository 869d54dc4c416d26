// ttl:N|<N|>N|N-M; IPv4 TTL / IPv6 hop limit
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  if (context.rule.ttl) return absl::InvalidArgumentError("ttl given twice");
  ASSIGN_OR_RETURN(context.rule.ttl, ParseNumericTest(value, 255));
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kTtlKeyword = {
    .name = "ttl",
    .help = "ttl:N|<N|>N|N-M; IPv4 TTL / IPv6 hop limit",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
