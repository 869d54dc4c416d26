// The project's one JSON string escaper and compact writer (common/json_writer.h): strings
// byte for byte as nlohmann's dump(-1, ' ', false, replace) writes them — on every byte, on
// random strings of valid and invalid UTF-8, and on the ill-formed sequences Unicode names —
// and the writer's commas and nesting.

#include "common/json_writer.h"

#include <climits>
#include <cstdint>
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace otasuke {
namespace {

std::string NlohmannDump(const std::string& value) {
  return nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WriterString(const std::string& value) {
  std::string out;
  AppendJsonString(value, &out);
  return out;
}

// Appends one piece of a random string: plain ASCII, an escaped byte, a control byte, a valid
// 2-, 3- or 4-byte UTF-8 sequence, or a byte or sequence that is not valid UTF-8.
void AppendRandomPiece(std::mt19937& rng, std::string* s) {
  auto byte = [&](int lo, int hi) {
    return static_cast<char>(std::uniform_int_distribution<int>(lo, hi)(rng));
  };
  switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
    case 0:
    case 1:
    case 2:
      s->push_back(byte(0x20, 0x7f));
      break;
    case 3:
      s->push_back("\"\\\b\f\n\r\t"[std::uniform_int_distribution<int>(0, 6)(rng)]);
      break;
    case 4:
      s->push_back(byte(0x00, 0x1f));
      break;
    case 5:
      s->push_back(byte(0xc2, 0xdf));
      s->push_back(byte(0x80, 0xbf));
      break;
    case 6:
      s->push_back(byte(0xe1, 0xec));
      s->push_back(byte(0x80, 0xbf));
      s->push_back(byte(0x80, 0xbf));
      break;
    case 7:
      s->push_back(byte(0xf1, 0xf3));
      s->push_back(byte(0x80, 0xbf));
      s->push_back(byte(0x80, 0xbf));
      s->push_back(byte(0x80, 0xbf));
      break;
    case 8:  // any byte of the upper half: stray continuations, overlongs, surrogates, 0xff
      s->push_back(byte(0x80, 0xff));
      break;
    default:  // a truncated sequence
      s->push_back(byte(0xe0, 0xf4));
      s->push_back(byte(0x80, 0xbf));
      break;
  }
}

TEST(JsonWriterTest, StringsAreNlohmannDumpWithReplaceOnRandomBytes) {
  std::mt19937 rng(20261123);
  for (int round = 0; round < 20'000; ++round) {
    std::string value;
    const int pieces = std::uniform_int_distribution<int>(0, 24)(rng);
    // A third of the strings stay ASCII, the path of almost every EVE string.
    const bool ascii_only = round % 3 == 0;
    for (int i = 0; i < pieces; ++i) {
      AppendRandomPiece(rng, &value);
      if (ascii_only && static_cast<unsigned char>(value.back()) >= 0x80) value.back() = 'x';
    }
    ASSERT_EQ(WriterString(value), NlohmannDump(value)) << absl::CEscape(value);
  }
}

TEST(JsonWriterTest, StringsAreNlohmannDumpOnEveryByte) {
  for (int c = 0; c < 256; ++c) {
    const std::string value = absl::StrCat("a", std::string(1, static_cast<char>(c)), "b");
    EXPECT_EQ(WriterString(value), NlohmannDump(value)) << c;
  }
  EXPECT_EQ(WriterString(""), "\"\"");
  EXPECT_EQ(WriterString("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
}

TEST(JsonWriterTest, StringAppendsAfterWhatIsThere) {
  std::string out = "line1\n";
  AppendJsonString("caf\xc3\xa9\xff", &out);
  EXPECT_EQ(out, "line1\n\"caf\xc3\xa9\xef\xbf\xbd\"");
}

TEST(JsonWriterTest, CommasAndNesting) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a").Uint(18'446'744'073'709'551'615ULL);
  w.Key("b").Int(INT64_MIN);
  w.Key("c").BeginArray().EndArray();
  w.Key("d").BeginObject().EndObject();
  w.Key("e").BeginArray().String("x").BeginObject().Key("k").Null().EndObject().Int(-1).EndArray();
  w.Key("f\n").String("g");
  w.EndObject();
  EXPECT_EQ(out,
            "{\"a\":18446744073709551615,\"b\":-9223372036854775808,\"c\":[],\"d\":{},"
            "\"e\":[\"x\",{\"k\":null},-1],\"f\\n\":\"g\"}");
  EXPECT_EQ(nlohmann::ordered_json::parse(out).dump(), out);
}

// Unicode's table of ill-formed sequences (§3.9, "U+FFFD Substitution of Maximal Subparts"):
// one U+FFFD for each maximal subpart, as nlohmann's replace handler and browsers write them.
TEST(JsonWriterTest, EachMaximalSubpartOfIllFormedUtf8IsOneReplacement) {
  const std::string r = "\xEF\xBF\xBD";
  struct Case {
    std::string in, out;
  } cases[] = {
      {"\xC0\xAF", r + r},                  // C0 never leads
      {"\xE0\x80\xAF", r + r + r},          // overlong: E0 needs A0..BF next
      {"\xED\xA0\x80", r + r + r},          // surrogate: ED needs 80..9F next
      {"\xF4\x90\x80\x80", r + r + r + r},  // above U+10FFFF
      {"\xF0\x80\x80", r + r + r},          // overlong: F0 needs 90..BF next
      {"\xE1\x80", r},                      // truncated at the end: one
      {"\xE1\x80"
       "a",
       r + "a"},                                // truncated before ASCII: one, then the byte
      {"\xF1\x80\x80\xE1\x80\xC2", r + r + r},  // three truncated sequences in a row
      {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
       "a" + r + r + r + "b" + r + "c" + r + r + "d"},  // the standard's own example
      {"\xF5\x80", r + r},                              // F5 never leads
      {"\xEF\xBF\xBF", "\xEF\xBF\xBF"},                 // U+FFFF is well formed
      {"\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"},         // U+10FFFF is well formed
  };
  for (const Case& c : cases) {
    EXPECT_EQ(WriterString(c.in), "\"" + c.out + "\"") << absl::CEscape(c.in);
    EXPECT_EQ(WriterString(c.in), NlohmannDump(c.in)) << absl::CEscape(c.in);
  }
}

}  // namespace
}  // namespace otasuke
