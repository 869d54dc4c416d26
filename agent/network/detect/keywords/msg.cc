// msg:"text"; the alert's signature text
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  context.rule.info.msg = std::string(Unquote(value));
  // Suricata escapes ; " \\ inside msg.
  std::string& msg = context.rule.info.msg;
  std::string out;
  for (size_t i = 0; i < msg.size(); ++i) {
    if (msg[i] == '\\' && i + 1 < msg.size()) ++i;
    out.push_back(msg[i]);
  }
  msg = std::move(out);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kMsgKeyword = {
    .name = "msg",
    .help = "msg:\"text\"; the alert's signature text",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
