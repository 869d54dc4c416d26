#include "agent/event/readers/event_reader.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agent/event/readers/windows_logsource.h"
#include "common/strings.h"

namespace otasuke::agent::readers {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxReportedErrors = 20;

// Sets a field by Sysmon name: table fields by id, others as extras.
void SetField(Event* event, std::string_view name, std::string_view value) {
  if (auto id = FindField(name)) {
    event->Set(*id, value);
  } else {
    event->SetExtra(name, value);
  }
}

// Scalar JSON -> text; false for null (absent). Objects and arrays become compact JSON.
bool ValueText(const Json& v, std::string* out) {
  switch (v.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return false;
    case Json::value_t::string:
      *out = v.get_ref<const std::string&>();
      return true;
    case Json::value_t::boolean:
      *out = v.get<bool>() ? "true" : "false";
      return true;
    case Json::value_t::number_integer:
      *out = absl::StrCat(v.get<int64_t>());
      return true;
    case Json::value_t::number_unsigned:
      *out = absl::StrCat(v.get<uint64_t>());
      return true;
    default:
      *out = v.dump(-1, ' ', false, Json::error_handler_t::replace);
      return true;
  }
}

void SetFromJson(Event* event, std::string_view name, const Json& v) {
  std::string text;
  if (ValueText(v, &text)) SetField(event, name, text);
}

// Windows logs name some data with spaces ("Source Name" in Defender events); Sigma rules
// write them without ("SourceName"), as evtx-based Sigma tools normalise them.
void SetWindowsField(Event* event, std::string_view name, const Json& v) {
  if (name.find(' ') == std::string_view::npos) {
    SetFromJson(event, name, v);
    return;
  }
  std::string squeezed;
  for (char c : name) {
    if (c != ' ') squeezed.push_back(c);
  }
  SetFromJson(event, squeezed, v);
}

const Json* Member(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string MemberText(const Json& obj, const char* key) {
  std::string out;
  if (const Json* v = Member(obj, key)) ValueText(*v, &out);
  return out;
}

absl::Time ParseTimeText(std::string_view text) {
  static constexpr const char* kFormats[] = {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M:%E*SZ",
                                             "%Y-%m-%d %H:%M:%E*S%Ez", "%Y-%m-%d %H:%M:%E*S"};
  for (const char* f : kFormats) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(f, Sv(text), &t, &err)) return t;
  }
  return absl::InfinitePast();
}

uint32_t EventIdOf(const Json& v) {
  // evtx_dump renders EventID as a number, or {"#text": n, "#attributes": {...}}.
  const Json* id = &v;
  if (v.is_object()) {
    id = Member(v, "#text");
    if (id == nullptr) return 0;
  }
  std::string text;
  uint32_t n = 0;
  if (ValueText(*id, &text) && absl::SimpleAtoi(text, &n)) return n;
  return 0;
}

absl::Status ConvertEvtx(const Json& root, Event* event) {
  const Json* ev = Member(root, "Event");
  const Json* system = ev != nullptr ? Member(*ev, "System") : nullptr;
  if (system == nullptr || !system->is_object()) {
    return absl::InvalidArgumentError("Event.System missing");
  }
  uint32_t event_id = 0;
  if (const Json* id = Member(*system, "EventID")) {
    event_id = EventIdOf(*id);
    event->Set(FieldId::kEventId, absl::StrCat(event_id));
  }
  const std::string channel = MemberText(*system, "Channel");
  if (!channel.empty()) event->Set(FieldId::kChannel, channel);
  const std::string computer = MemberText(*system, "Computer");
  if (!computer.empty()) event->Set(FieldId::kComputer, computer);
  if (const Json* provider = Member(*system, "Provider")) {
    if (const Json* attrs = Member(*provider, "#attributes")) {
      const std::string name = MemberText(*attrs, "Name");
      if (!name.empty()) event->Set(FieldId::kProviderName, name);
    }
  }
  if (const Json* created = Member(*system, "TimeCreated")) {
    if (const Json* attrs = Member(*created, "#attributes")) {
      event->set_time(ParseTimeText(MemberText(*attrs, "SystemTime")));
    }
  }
  auto add_data = [&](const Json& data) {
    if (!data.is_object()) return;
    for (auto it = data.begin(); it != data.end(); ++it) {
      if (it.key() == "#attributes") continue;
      if (it.key() == "Data" && it.value().is_array()) {
        // Unrendered <Data Name="..">value</Data> elements.
        for (const Json& d : it.value()) {
          const Json* attrs = Member(d, "#attributes");
          const std::string name = attrs != nullptr ? MemberText(*attrs, "Name") : "";
          const Json* text = Member(d, "#text");
          if (!name.empty() && text != nullptr) SetWindowsField(event, name, *text);
        }
        continue;
      }
      SetWindowsField(event, it.key(), it.value());
    }
  };
  if (const Json* data = Member(*ev, "EventData")) add_data(*data);
  if (const Json* user = Member(*ev, "UserData"); user != nullptr && user->is_object()) {
    for (auto it = user->begin(); it != user->end(); ++it) add_data(it.value());
  }
  MapWindowsLogSource(channel, event_id, event);
  return absl::OkStatus();
}

absl::Status ConvertOtasuke(const Json& root, Event* event) {
  const Json* src = Member(root, "logsource");
  const Json* fields = Member(root, "event");
  if (src == nullptr || fields == nullptr || !fields->is_object()) {
    return absl::InvalidArgumentError("expected logsource and event objects");
  }
  event->source().product = MemberText(*src, "product");
  event->source().category = MemberText(*src, "category");
  event->source().service = MemberText(*src, "service");
  const std::string time = MemberText(root, "time");
  if (!time.empty()) event->set_time(ParseTimeText(time));
  for (auto it = fields->begin(); it != fields->end(); ++it) {
    SetFromJson(event, it.key(), it.value());
  }
  return absl::OkStatus();
}

absl::Status ConvertWinlogbeat(const Json& root, Event* event) {
  const Json* winlog = Member(root, "winlog");
  if (winlog == nullptr || !winlog->is_object()) {
    return absl::InvalidArgumentError("winlog object missing");
  }
  const std::string channel = MemberText(*winlog, "channel");
  uint32_t event_id = 0;
  if (const Json* id = Member(*winlog, "event_id")) event_id = EventIdOf(*id);
  event->Set(FieldId::kEventId, absl::StrCat(event_id));
  if (!channel.empty()) event->Set(FieldId::kChannel, channel);
  const std::string computer = MemberText(*winlog, "computer_name");
  if (!computer.empty()) event->Set(FieldId::kComputer, computer);
  const std::string provider = MemberText(*winlog, "provider_name");
  if (!provider.empty()) event->Set(FieldId::kProviderName, provider);
  for (const char* key : {"event_data", "user_data"}) {
    if (const Json* data = Member(*winlog, key); data != nullptr && data->is_object()) {
      for (auto it = data->begin(); it != data->end(); ++it) {
        SetWindowsField(event, it.key(), it.value());
      }
    }
  }
  event->set_time(ParseTimeText(MemberText(root, "@timestamp")));
  MapWindowsLogSource(channel, event_id, event);
  return absl::OkStatus();
}

absl::Status ConvertFlat(const Json& root, Event* event) {
  if (!root.is_object()) return absl::InvalidArgumentError("record is not a JSON object");
  std::string channel;
  uint32_t event_id = 0;
  std::string time;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    if (it.value().is_object() || it.value().is_array()) continue;
    if (key == "EventID") {
      event_id = EventIdOf(it.value());
      event->Set(FieldId::kEventId, absl::StrCat(event_id));
    } else if (key == "Channel") {
      ValueText(it.value(), &channel);
      event->Set(FieldId::kChannel, channel);
    } else if (key == "Hostname") {
      SetFromJson(event, "Computer", it.value());
    } else if (key == "SourceName" || key == "ProviderName") {
      SetFromJson(event, "Provider_Name", it.value());
    } else if (key == "@timestamp" || key == "TimeCreated" || key == "EventTime") {
      if (time.empty()) ValueText(it.value(), &time);
    } else {
      SetWindowsField(event, key, it.value());
    }
  }
  if (channel.empty() && event_id == 0) {
    return absl::InvalidArgumentError("flat record without Channel or EventID");
  }
  event->set_time(ParseTimeText(time));
  MapWindowsLogSource(channel, event_id, event);
  return absl::OkStatus();
}

absl::Status Convert(const Json& root, Event* event, EventFormat* format) {
  event->Clear();
  event->source() = {};
  if (!root.is_object()) return absl::InvalidArgumentError("record is not a JSON object");
  if (Member(root, "Event") != nullptr) {
    *format = EventFormat::kEvtxJson;
    return ConvertEvtx(root, event);
  }
  if (Member(root, "logsource") != nullptr && Member(root, "event") != nullptr) {
    *format = EventFormat::kOtasuke;
    return ConvertOtasuke(root, event);
  }
  if (Member(root, "winlog") != nullptr) {
    *format = EventFormat::kWinlogbeat;
    return ConvertWinlogbeat(root, event);
  }
  *format = EventFormat::kFlatJson;
  return ConvertFlat(root, event);
}

// Finds the end of the JSON object or array starting at text[begin] (one past the closing
// bracket), counting lines; npos when it never closes.
size_t ValueEnd(std::string_view text, size_t begin, size_t* lines) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = begin; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++*lines;
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string_view EventFormatName(EventFormat format) {
  switch (format) {
    case EventFormat::kOtasuke:
      return "otasuke";
    case EventFormat::kEvtxJson:
      return "evtx-json";
    case EventFormat::kFlatJson:
      return "flat-json";
    case EventFormat::kWinlogbeat:
      return "winlogbeat";
  }
  return "?";
}

absl::Status ParseEventRecord(std::string_view json_text, Event* event, EventFormat* format) {
  const Json root = Json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (root.is_discarded()) return absl::InvalidArgumentError("not valid JSON");
  return Convert(root, event, format);
}

absl::Status ParseEventRecordAs(std::string_view json_text, EventFormat format, Event* event) {
  const Json root = Json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (root.is_discarded()) return absl::InvalidArgumentError("not valid JSON");
  event->Clear();
  event->source() = {};
  switch (format) {
    case EventFormat::kOtasuke:
      return ConvertOtasuke(root, event);
    case EventFormat::kEvtxJson:
      return ConvertEvtx(root, event);
    case EventFormat::kFlatJson:
      return ConvertFlat(root, event);
    case EventFormat::kWinlogbeat:
      return ConvertWinlogbeat(root, event);
  }
  return absl::InvalidArgumentError("unknown format");
}

absl::Status ReadEvents(std::string_view content, std::string_view path,
                        const EventCallback& on_event, ReadStats* stats) {
  Event event;
  size_t line = 1;
  size_t pos = 0;
  uint64_t good = 0;
  auto bad = [&](size_t at_line, std::string_view why) {
    ++stats->bad_records;
    if (stats->errors.size() < kMaxReportedErrors) {
      stats->errors.push_back(absl::StrCat(Sv(path), ":", at_line, ": ", Sv(why)));
    }
  };
  while (pos < content.size()) {
    const char c = content[pos];
    if (c == '\n') {
      ++line;
      ++pos;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == ',') {
      ++pos;
      continue;
    }
    const size_t start_line = line;
    if (c != '{' && c != '[') {
      bad(start_line, "not a JSON object");
      const size_t eol = content.find('\n', pos);
      pos = eol == std::string_view::npos ? content.size() : eol;
      continue;
    }
    const size_t end = ValueEnd(content, pos, &line);
    if (end == std::string_view::npos) {
      bad(start_line, "JSON value never closes");
      break;
    }
    const Json root = Json::parse(content.begin() + pos, content.begin() + end, nullptr, false);
    pos = end;
    if (root.is_discarded()) {
      bad(start_line, "invalid JSON");
      continue;
    }
    // A top-level array holds records.
    const bool array = root.is_array();
    const size_t count = array ? root.size() : 1;
    for (size_t i = 0; i < count; ++i) {
      EventFormat format = EventFormat::kFlatJson;
      absl::Status st = Convert(array ? root[i] : root, &event, &format);
      if (!st.ok()) {
        bad(start_line, StdSv(st.message()));
        continue;
      }
      ++good;
      ++stats->records;
      ++stats->by_format[static_cast<size_t>(format)];
      on_event(event);
    }
  }
  if (good == 0 && stats->bad_records > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(path), ": no readable events (", stats->bad_records, " bad record(s)); first: ",
        stats->errors.empty() ? std::string("?") : stats->errors.front()));
  }
  return absl::OkStatus();
}

absl::Status ReadEventFile(const std::string& path, const EventCallback& on_event,
                           ReadStats* stats) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ReadEvents(content.str(), path, on_event, stats);
}

}  // namespace otasuke::agent::readers
