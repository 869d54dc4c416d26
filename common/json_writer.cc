#include "common/json_writer.h"

#include <array>
#include <charconv>

namespace otasuke {
namespace {

// Bytes that go out as they are: printable ASCII but the quote and the backslash. A table, as
// the test is made for every byte of every string of every line.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The bytes of the UTF-8 sequence led by `lead` that form a well-formed prefix of `value`
// from `i` (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). Returns
// the sequence's length when it is complete, else 0 with `*valid_prefix` set to the bytes
// (at least the lead, when it can lead a sequence at all) that one U+FFFD replaces.
size_t Utf8Sequence(std::string_view value, size_t i, size_t* valid_prefix) {
  const auto lead = static_cast<unsigned char>(value[i]);
  size_t length = 0;
  unsigned char second_lo = 0x80, second_hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_lo = 0xA0;  // overlong below U+0800
    if (lead == 0xED) second_hi = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_lo = 0x90;  // overlong below U+10000
    if (lead == 0xF4) second_hi = 0x8F;  // above U+10FFFF
  } else {
    *valid_prefix = 1;  // a continuation byte, C0, C1 or F5..FF: never a lead
    return 0;
  }
  size_t k = 1;
  for (; k < length && i + k < value.size(); ++k) {
    const auto c = static_cast<unsigned char>(value[i + k]);
    const unsigned char lo = k == 1 ? second_lo : 0x80;
    const unsigned char hi = k == 1 ? second_hi : 0xBF;
    if (c < lo || c > hi) break;
  }
  if (k == length) return length;
  *valid_prefix = k;
  return 0;
}

void AppendEscapedAscii(unsigned char c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      break;
    case '\\':
      out->append("\\\\");
      break;
    case '\b':
      out->append("\\b");
      break;
    case '\f':
      out->append("\\f");
      break;
    case '\n':
      out->append("\\n");
      break;
    case '\r':
      out->append("\\r");
      break;
    case '\t':
      out->append("\\t");
      break;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
      out->append(escape, sizeof(escape));
    }
  }
}

template <typename Int>
void AppendNumber(Int value, std::string* out) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  out->append(digits, end);
}

}  // namespace

void AppendJsonString(std::string_view value, std::string* out) {
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet appended, all of which go out as they are
  size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (kPlain[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t invalid = 0;
      if (const size_t length = Utf8Sequence(value, i, &invalid); length != 0) {
        i += length;  // well-formed: stays in the run
        continue;
      }
      out->append(value.data() + run, i - run);
      out->append(kReplacement);
      i += invalid;
    } else {
      out->append(value.data() + run, i - run);
      AppendEscapedAscii(c, out);
      ++i;
    }
    run = i;
  }
  out->append(value.data() + run, value.size() - run);
  out->push_back('"');
}

JsonWriter& JsonWriter::Uint(uint64_t value) {
  Separate();
  AppendNumber(value, out_);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  Separate();
  AppendNumber(value, out_);
  need_comma_ = true;
  return *this;
}

}  // namespace otasuke
