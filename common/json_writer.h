#pragma once
// Compact JSON text appended straight to a caller's string, for output records built many
// times per second (EVE alert lines, event renderings): no tree of nodes, no map, no
// allocation beyond the string's own growth. The one JSON string escaper of the project:
// strings come out byte for byte as nlohmann::json's dump(-1, ' ', false,
// error_handler_t::replace) writes them, so a record switched from nlohmann to this writer
// keeps its text, and every record escapes alike.

#include <cstdint>
#include <string>
#include <string_view>

namespace otasuke {

// Appends `value` as a JSON string literal (quotes included): `"` `\` and the control bytes
// escaped as nlohmann escapes them (`\b \f \n \r \t`, else `\u00xx`), valid UTF-8 as it
// is, and each invalid sequence replaced with one U+FFFD as nlohmann's `replace` error handler
// does (a lead byte and the continuation bytes that fit it, up to the byte that does not:
// Unicode's "maximal subpart"), so the output is always valid UTF-8 and valid JSON.
void AppendJsonString(std::string_view value, std::string* out);

// Writes one JSON value (usually an object) into `*out`, appending to what is already there.
// The writer puts the commas between members and elements; the caller pairs Begin/End calls
// and writes a Key before each member's value. Nothing is checked: a wrong sequence gives
// wrong JSON, so a record's writer is covered by a test of its text.
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }

  // A member's name; the next value written is its value.
  JsonWriter& Key(std::string_view key) {
    Separate();
    AppendJsonString(key, out_);
    out_->push_back(':');
    need_comma_ = false;
    return *this;
  }

  JsonWriter& String(std::string_view value) {
    Separate();
    AppendJsonString(value, out_);
    need_comma_ = true;
    return *this;
  }
  JsonWriter& Null() {
    Separate();
    out_->append("null");
    need_comma_ = true;
    return *this;
  }
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Int(int64_t value);

 private:
  void Separate() {
    if (need_comma_) out_->push_back(',');
  }
  JsonWriter& Open(char bracket) {
    Separate();
    out_->push_back(bracket);
    need_comma_ = false;
    return *this;
  }
  JsonWriter& Close(char bracket) {
    out_->push_back(bracket);
    need_comma_ = true;
    return *this;
  }

  std::string* out_;
  bool need_comma_ = false;  // a value or a closed container came last at this level
};

}  // namespace otasuke
