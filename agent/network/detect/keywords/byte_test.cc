// byte_test:bytes,[!]op,value,offset[,relative][,big|little][,string,hex|dec|oct][,bitmask M]
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {

absl::Status ParseByteOptions(std::span<const std::string_view> options, bool* relative,
                              bool* little_endian, bool* string, int* base, uint64_t* bitmask) {
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string_view option = options[i];
    if (option == "relative") {
      *relative = true;
    } else if (option == "big") {
      *little_endian = false;
    } else if (option == "little") {
      *little_endian = true;
    } else if (option == "string") {
      *string = true;
    } else if (option == "hex") {
      *base = 16;
    } else if (option == "dec") {
      *base = 10;
    } else if (option == "oct") {
      *base = 8;
    } else if (option.substr(0, 7) == "bitmask") {
      std::string_view mask = TrimValue(option.substr(7));
      if (mask.substr(0, 2) == "0x" || mask.substr(0, 2) == "0X") mask.remove_prefix(2);
      if (!absl::SimpleHexAtoi(Sv(mask), bitmask) || *bitmask == 0) {
        return absl::InvalidArgumentError(absl::StrCat("bad bitmask '", Sv(option), "'"));
      }
    } else if (option == "dce") {
      return absl::UnimplementedError("byte option 'dce'");
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", Sv(option), "'"));
    }
  }
  return absl::OkStatus();
}

namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  const auto args = SplitArgs(value);
  if (args.size() < 4) return absl::InvalidArgumentError("byte_test needs bytes,op,value,offset");
  ByteTestMatcher matcher;
  ASSIGN_OR_RETURN(int64_t bytes, ParseInteger(args[0], 1, 10));
  matcher.bytes = static_cast<uint8_t>(bytes);
  std::string_view op = args[1];
  if (!op.empty() && op.front() == '!') {
    matcher.negated = true;
    op = TrimValue(op.substr(1));
  }
  if (op == "=") {
    matcher.op = NumericTest::Op::kEq;
  } else if (op == "<") {
    matcher.op = NumericTest::Op::kLt;
  } else if (op == ">") {
    matcher.op = NumericTest::Op::kGt;
  } else if (op == "<=") {
    matcher.op = NumericTest::Op::kLe;
  } else if (op == ">=") {
    matcher.op = NumericTest::Op::kGe;
  } else if (op == "&") {
    matcher.bitand_op = true;
  } else if (op == "^") {
    matcher.bitxor_op = true;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown byte_test operator '", Sv(op), "'"));
  }
  std::string_view number = args[2];
  bool hex_value = false;
  if (number.substr(0, 2) == "0x" || number.substr(0, 2) == "0X") {
    number.remove_prefix(2);
    hex_value = true;
  }
  const bool value_ok = hex_value ? absl::SimpleHexAtoi(Sv(number), &matcher.value)
                                  : absl::SimpleAtoi(Sv(number), &matcher.value);
  if (!value_ok) {
    return absl::UnimplementedError(
        absl::StrCat("byte_test value '", Sv(args[2]), "' (byte_extract variables)"));
  }
  auto offset = ParseInteger(args[3], -65535, 65535);
  if (!offset.ok()) {
    return absl::UnimplementedError(
        absl::StrCat("byte_test offset '", Sv(args[3]), "' (byte_extract variables)"));
  }
  matcher.offset = static_cast<int32_t>(*offset);
  RETURN_IF_ERROR(ParseByteOptions(std::span(args).subspan(4), &matcher.relative,
                                   &matcher.little_endian, &matcher.string, &matcher.base,
                                   &matcher.bitmask));
  if (!matcher.string && matcher.bytes > 8) {
    return absl::InvalidArgumentError("byte_test reads at most 8 bytes unless 'string'");
  }
  context.AddMatcher(matcher);
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kByteTestKeyword = {
    .name = "byte_test",
    .help =
        "byte_test:bytes,[!]op,value,offset[,relative][,big|little][,string,hex|dec|oct]"
        "[,bitmask M]; compares bytes of the buffer to a value",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
