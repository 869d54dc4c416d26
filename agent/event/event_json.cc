#include "agent/event/event_json.h"

#include <cstdint>

#include "absl/time/time.h"
#include "common/json_writer.h"

namespace otasuke::agent {
namespace {

constexpr std::string_view kCutMark = "\xE2\x80\xA6";  // "…"

// Appends `value` as a JSON string, cut to about `budget` bytes of content.
void AppendBoundedJsonString(std::string_view value, size_t budget, std::string* out) {
  if (value.size() <= budget) {
    AppendJsonString(value, out);
    return;
  }
  size_t cut = budget;
  // Never split a UTF-8 sequence.
  while (cut > 0 && (static_cast<uint8_t>(value[cut]) & 0xC0) == 0x80) --cut;
  std::string shortened(value.substr(0, cut));
  shortened.append(kCutMark);
  AppendJsonString(shortened, out);
}

}  // namespace

void AppendEventJsonMembers(const Event& event, size_t max_bytes, std::string* out) {
  const size_t start = out->size();
  const LogSource& src = event.source();
  out->append("\"time\":");
  if (event.time() == absl::InfinitePast()) {
    out->append("null");
  } else {
    AppendJsonString(absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", event.time(), absl::UTCTimeZone()),
                     out);
  }
  out->append(",\"logsource\":{");
  bool first = true;
  auto member = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(key, out);
    out->push_back(':');
    AppendJsonString(value, out);
  };
  member("product", src.product);
  member("category", src.category);
  member("service", src.service);
  out->append("},\"event\":{");
  first = true;
  // Room for the closing braces; each value gets at most a quarter of what is left so that
  // one huge command line cannot crowd out every other field.
  constexpr size_t kClosing = 2;
  auto bounded_member = [&](std::string_view key, std::string_view value) {
    const size_t used = out->size() - start;
    if (used + key.size() + 8 + kClosing >= max_bytes) return false;
    const size_t room = max_bytes - used - key.size() - 8 - kClosing;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(key, out);
    out->push_back(':');
    AppendBoundedJsonString(value, std::max<size_t>(room / 4, std::min<size_t>(room, 64)), out);
    return true;
  };
  bool room = true;
  for (const FieldDescriptor& d : kFieldTable) {
    if (!room) break;
    if (event.Has(d.id)) room = bounded_member(d.name, event.Get(d.id));
  }
  for (size_t i = 0; room && i < event.extra_count(); ++i) {
    room = bounded_member(event.extra(i).first, event.extra(i).second);
  }
  out->push_back('}');
}

void AppendEventJson(const Event& event, size_t max_bytes, std::string* out) {
  out->push_back('{');
  AppendEventJsonMembers(event, max_bytes > 2 ? max_bytes - 2 : 0, out);
  out->push_back('}');
}

}  // namespace otasuke::agent
