#include "agent/sources/sock_diag/socket_activity.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/strings.h"

namespace otasuke::agent {
namespace {

// Lines of `text` without their '\n'.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// Whitespace-separated words of one line.
std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (true) {
    i = line.find_first_not_of(" \t", i);
    if (i == std::string_view::npos) break;
    const size_t end = std::min(line.find_first_of(" \t", i), line.size());
    words.push_back(line.substr(i, end - i));
    i = end;
  }
  return words;
}

// In /proc/net/snmp each protocol has two lines with one prefix: the field names, then the
// values. Returns the value of `field` in the `prefix` ("Tcp:") pair of lines.
absl::StatusOr<uint64_t> SnmpField(std::string_view snmp, std::string_view prefix,
                                   std::string_view field) {
  const std::vector<std::string_view> lines = Lines(snmp);
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (!lines[i].starts_with(prefix) || !lines[i + 1].starts_with(prefix)) continue;
    const std::vector<std::string_view> names = Words(lines[i]);
    const std::vector<std::string_view> values = Words(lines[i + 1]);
    for (size_t k = 1; k < names.size() && k < values.size(); ++k) {
      if (names[k] != field) continue;
      // CurrEstab is a gauge printed signed; it is never negative, but parse what is there.
      int64_t v = 0;
      auto [end, ec] = std::from_chars(values[k].data(), values[k].data() + values[k].size(), v);
      if (ec != std::errc() || end != values[k].data() + values[k].size()) break;
      return static_cast<uint64_t>(v);
    }
    break;
  }
  return absl::NotFoundError(absl::StrCat("snmp: no ", Sv(prefix), " ", Sv(field)));
}

// /proc/net/snmp6: one `name value` pair per line. Absent when IPv6 is off: zero.
uint64_t Snmp6Field(std::string_view snmp6, std::string_view field) {
  for (std::string_view line : Lines(snmp6)) {
    const std::vector<std::string_view> parts = Words(line);
    if (parts.size() != 2 || parts[0] != field) continue;
    uint64_t v = 0;
    std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), v);
    return v;
  }
  return 0;
}

}  // namespace

absl::StatusOr<SocketCounters> ParseSocketCounters(std::string_view snmp, std::string_view snmp6) {
  SocketCounters c;
  constexpr std::pair<std::string_view, std::string_view> kFields[] = {
      {"Tcp:", "ActiveOpens"},
      {"Tcp:", "PassiveOpens"},
      {"Tcp:", "CurrEstab"},
      {"Udp:", "OutDatagrams"},
  };
  for (size_t i = 0; i < std::size(kFields); ++i) {
    absl::StatusOr<uint64_t> v = SnmpField(snmp, kFields[i].first, kFields[i].second);
    if (!v.ok()) return v.status();
    c.values[i] = *v;
  }
  c.values[4] = Snmp6Field(snmp6, "Udp6OutDatagrams");
  return c;
}

bool SocketActivity::Changed() {
  absl::StatusOr<std::string> snmp = ReadFile(root_ + "/net/snmp");
  if (!snmp.ok()) return true;
  absl::StatusOr<std::string> snmp6 = ReadFile(root_ + "/net/snmp6");
  absl::StatusOr<SocketCounters> now =
      ParseSocketCounters(*snmp, snmp6.ok() ? std::string_view(*snmp6) : std::string_view());
  if (!now.ok()) return true;
  const bool changed = !have_last_ || !(*now == last_);
  last_ = *now;
  have_last_ = true;
  return changed;
}

}  // namespace otasuke::agent
