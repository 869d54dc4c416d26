#include "agent/network/scan/json_writer.h"

#include <array>
#include <charconv>

#include "nlohmann/json.hpp"

namespace otasuke::network {
namespace {

// Bytes that go out as they are: printable ASCII but the quote and the backslash. A table, as
// the test is made for every byte of every string of every line.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

// A string holding a byte >= 0x80: the UTF-8 check and the replacement of invalid sequences
// are nlohmann's own, so the text is nlohmann's by construction. Rare in EVE (wire hostnames,
// URLs, rule messages in other scripts), so its cost does not matter.
void AppendNonAsciiJsonString(std::string_view value, std::string* out) {
  out->append(nlohmann::json(std::string(value))
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

template <typename Int>
void AppendNumber(Int value, std::string* out) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  out->append(digits, end);
}

}  // namespace

void AppendJsonString(std::string_view value, std::string* out) {
  const size_t start = out->size();
  out->push_back('"');
  size_t run = 0;  // start of the plain bytes not yet appended
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (kPlain[c]) continue;
    if (c >= 0x80) {
      out->resize(start);
      AppendNonAsciiJsonString(value, out);
      return;
    }
    out->append(value.data() + run, i - run);
    run = i + 1;
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

}  // namespace otasuke::network
