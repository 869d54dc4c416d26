#include "agent/sources/sock_diag/socket_activity.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <span>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace otasuke::agent {
namespace {

// The whole word as a number. CurrEstab is a gauge printed signed; it is never negative, but
// parse what is there.
bool ParseCounter(std::string_view word, uint64_t* value) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc() || end != word.data() + word.size()) return false;
  *value = static_cast<uint64_t>(v);
  return true;
}

// In /proc/net/snmp each protocol has two lines with one prefix: the field names, then the
// values. Sets values[i] to the value of fields[i] in the `prefix` ("Tcp:") pair of lines.
absl::Status SnmpFields(std::string_view snmp, std::string_view prefix,
                        std::span<const std::string_view> fields, std::span<uint64_t> values) {
  uint32_t found = 0;
  while (!snmp.empty()) {
    std::string_view names = ConsumeLine(snmp);
    if (!names.starts_with(prefix)) continue;
    std::string_view numbers = ConsumeLine(snmp);
    if (!numbers.starts_with(prefix)) continue;
    ConsumeWord(names);  // the prefixes
    ConsumeWord(numbers);
    for (std::string_view name = ConsumeWord(names), number = ConsumeWord(numbers);
         !name.empty() && !number.empty();
         name = ConsumeWord(names), number = ConsumeWord(numbers)) {
      for (size_t i = 0; i < fields.size(); ++i) {
        if (name == fields[i] && ParseCounter(number, &values[i])) found |= 1u << i;
      }
    }
    break;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if ((found & (1u << i)) == 0) {
      return absl::NotFoundError(absl::StrCat("snmp: no ", Sv(prefix), " ", Sv(fields[i])));
    }
  }
  return absl::OkStatus();
}

// /proc/net/snmp6: one `name value` pair per line. Absent when IPv6 is off: zero.
uint64_t Snmp6Field(std::string_view snmp6, std::string_view field) {
  while (!snmp6.empty()) {
    std::string_view line = ConsumeLine(snmp6);
    if (ConsumeWord(line) != field) continue;
    uint64_t v = 0;
    return ParseCounter(ConsumeWord(line), &v) ? v : 0;
  }
  return 0;
}

}  // namespace

absl::StatusOr<SocketCounters> ParseSocketCounters(std::string_view snmp, std::string_view snmp6) {
  SocketCounters c;
  static constexpr std::string_view kTcp[] = {"ActiveOpens", "PassiveOpens", "CurrEstab"};
  static constexpr std::string_view kUdp[] = {"OutDatagrams"};
  absl::Status tcp = SnmpFields(snmp, "Tcp:", kTcp, std::span(c.values).subspan(0, 3));
  if (!tcp.ok()) return tcp;
  absl::Status udp = SnmpFields(snmp, "Udp:", kUdp, std::span(c.values).subspan(3, 1));
  if (!udp.ok()) return udp;
  c.values[4] = Snmp6Field(snmp6, "Udp6OutDatagrams");
  return c;
}

SocketActivity::SocketActivity(std::string proc_root) {
  snmp_.path = proc_root + "/net/snmp";
  snmp6_.path = proc_root + "/net/snmp6";
}

SocketActivity::~SocketActivity() {
  snmp_.Close();
  snmp6_.Close();
}

void SocketActivity::OpenFile::Close() {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool SocketActivity::OpenFile::Read(std::string_view* text) {
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // procfs formats these files whole for a read from offset 0, and a short read means the end:
  // one pread() is one consistent snapshot. (A second pread() at the end would have the
  // kernel format the whole file again only to return nothing.) Anything beyond the buffer
  // is cut off; the counters wanted are far from the end.
  ssize_t n;
  do {
    n = ::pread(fd, buffer.data(), buffer.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    Close();
    return false;
  }
  *text = std::string_view(buffer.data(), static_cast<size_t>(n));
  return true;
}

bool SocketActivity::Changed() {
  std::string_view snmp, snmp6;
  if (!snmp_.Read(&snmp)) return true;
  if (!snmp6_.Read(&snmp6)) snmp6 = {};
  absl::StatusOr<SocketCounters> now = ParseSocketCounters(snmp, snmp6);
  if (!now.ok()) return true;
  const bool changed = !have_last_ || !(*now == last_);
  last_ = *now;
  have_last_ = true;
  return changed;
}

}  // namespace otasuke::agent
