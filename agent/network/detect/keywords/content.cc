// content:[!]"text|41 42|text"; a byte string the current buffer must (not) contain.
#include "agent/network/detect/keywords/keywords.h"

namespace otasuke::network::detect {

absl::StatusOr<std::string> DecodeContent(std::string_view quoted) {
  quoted = TrimValue(quoted);
  if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') {
    return absl::InvalidArgumentError("content must be a quoted string");
  }
  const std::string_view text = quoted.substr(1, quoted.size() - 2);
  std::string out;
  bool in_hex = false;
  int nibble = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '|') {
      if (in_hex && nibble >= 0) return absl::InvalidArgumentError("odd number of hex digits");
      in_hex = !in_hex;
      continue;
    }
    if (in_hex) {
      if (c == ' ' || c == '\t') continue;
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) {
        return absl::InvalidArgumentError(absl::StrCat("bad hex digit '", std::string(1, c), "'"));
      }
      if (nibble < 0) {
        nibble = digit;
      } else {
        out.push_back(static_cast<char>(nibble * 16 + digit));
        nibble = -1;
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) return absl::InvalidArgumentError("content ends in '\\'");
      const char next = text[++i];
      if (next != '\\' && next != '"' && next != ';' && next != ':' && next != '|') {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid escape '\\", std::string(1, next), "' in content"));
      }
      out.push_back(next);
      continue;
    }
    if (c == '"') return absl::InvalidArgumentError("unescaped '\"' in content");
    out.push_back(c);
  }
  if (in_hex) return absl::InvalidArgumentError("unterminated '|' hex block");
  if (out.empty()) return absl::InvalidArgumentError("empty content");
  return out;
}

namespace {

absl::Status Parse(std::string_view value, RuleBuildContext& context) {
  value = TrimValue(value);
  ContentMatcher content;
  if (!value.empty() && value.front() == '!') {
    content.negated = true;
    value = TrimValue(value.substr(1));
  }
  ASSIGN_OR_RETURN(content.pattern, DecodeContent(value));
  context.AddMatcher(std::move(content));
  return absl::OkStatus();
}

}  // namespace

const KeywordDescriptor kContentKeyword = {
    .name = "content",
    .help = "content:[!]\"bytes|hex|\"; the current buffer contains (or not) these bytes",
    .value = KeywordValue::kRequired,
    .parse = Parse,
};

}  // namespace otasuke::network::detect
