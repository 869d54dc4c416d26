// flags:[!+*]FSRPAUCE0[,ignored]; TCP flags (exact by default; + all of, * any of, ! not).
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {
namespace {

absl::StatusOr<uint8_t> FlagBit(char c) {
  switch (c) {
    case 'F':
      return kTcpFin;
    case 'S':
      return kTcpSyn;
    case 'R':
      return kTcpRst;
    case 'P':
      return kTcpPsh;
    case 'A':
      return kTcpAck;
    case 'U':
      return kTcpUrg;
    case 'C':
    case '1':
      return kTcpCwr;
    case 'E':
    case '2':
      return kTcpEce;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown TCP flag '", std::string(1, c), "'"));
  }
}

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  if (context.rule.flags) return absl::InvalidArgumentError("flags given twice");
  const auto args = SplitArgs(value);
  if (args.size() > 2 || args[0].empty())
    return absl::InvalidArgumentError("flags:FLAGS[,IGNORED]");
  FlagsTest test;
  bool null_flags = false;
  for (char c : args[0]) {
    if (c == '+') {
      test.mode = FlagsTest::Mode::kAll;
    } else if (c == '*') {
      test.mode = FlagsTest::Mode::kAny;
    } else if (c == '!') {
      test.mode = FlagsTest::Mode::kNot;
    } else if (c == '0') {
      null_flags = true;
    } else if (c != ' ') {
      ASSIGN_OR_RETURN(uint8_t bit, FlagBit(c));
      test.flags |= bit;
    }
  }
  if (null_flags && test.flags != 0)
    return absl::InvalidArgumentError("flags: '0' with other flags");
  if (args.size() == 2) {
    for (char c : args[1]) {
      ASSIGN_OR_RETURN(uint8_t bit, FlagBit(c));
      test.ignore |= bit;
    }
  }
  context.rule.flags = test;
  context.rule.proto_mask &= kProtoTcp;
  if (context.rule.proto_mask == 0) return absl::InvalidArgumentError("flags on a non-TCP rule");
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kFlagsKeyword = {
    .name = "flags",
    .help = "flags:[!+*]FSRPAUCE0[,ignored]; TCP flags",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
