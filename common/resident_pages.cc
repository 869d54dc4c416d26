#include "common/resident_pages.h"

#include <sys/mman.h>

#include <charconv>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/strings.h"

namespace otasuke {
namespace {

// Parses a hexadecimal or decimal number that fills `text`.
template <typename T>
bool ParseNumber(std::string_view text, int base, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

// A mapping's header: "start-end perms offset dev inode [path]".
bool ParseHeader(std::string_view line, SmapsMapping* m) {
  std::string_view range = ConsumeWord(line);
  std::string_view perms = ConsumeWord(line);
  std::string_view offset = ConsumeWord(line);
  std::string_view dev = ConsumeWord(line);
  std::string_view inode = ConsumeWord(line);
  const size_t dash = range.find('-');
  uint64_t inode_number = 0;
  if (dash == std::string_view::npos || perms.size() != 4 || offset.empty() || dev.empty() ||
      !ParseNumber(range.substr(0, dash), 16, &m->start) ||
      !ParseNumber(range.substr(dash + 1), 16, &m->end) || m->end < m->start ||
      !ParseNumber(inode, 10, &inode_number)) {
    return false;
  }
  m->readable = perms[0] == 'r';
  m->writable = perms[1] == 'w';
  m->file_backed = inode_number != 0;
  return true;
}

// A "Name:   123 kB" line: `name` and the number; false for any other shape (VmFlags, THPeligible).
bool ParseSizeLine(std::string_view line, std::string_view* name, size_t* kb) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || !line.ends_with(" kB")) return false;
  *name = line.substr(0, colon);
  std::string_view rest = line.substr(colon + 1, line.size() - colon - 1 - 3);
  std::string_view number = ConsumeWord(rest);
  return ParseNumber(number, 10, kb);
}

}  // namespace

bool Releasable(const SmapsMapping& m) {
  return m.readable && !m.writable && m.file_backed && m.rss_kb > 0 && m.anonymous_kb == 0 &&
         m.locked_kb == 0;
}

absl::StatusOr<std::vector<SmapsMapping>> ParseSmaps(std::string_view smaps) {
  std::vector<SmapsMapping> mappings;
  size_t line_number = 0;
  while (!smaps.empty()) {
    const size_t eol = smaps.find('\n');
    std::string_view line = smaps.substr(0, eol);
    smaps.remove_prefix(eol == std::string_view::npos ? smaps.size() : eol + 1);
    ++line_number;
    if (line.empty()) continue;
    std::string_view name;
    size_t kb = 0;
    // Field lines start with a capital letter; headers with a hexadecimal address.
    const bool field_line = line[0] >= 'A' && line[0] <= 'Z';
    if (field_line) {
      if (mappings.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("smaps line ", line_number, ": a field before any mapping"));
      }
      if (!ParseSizeLine(line, &name, &kb)) continue;  // VmFlags, THPeligible, ...
      SmapsMapping& m = mappings.back();
      if (name == "Rss") m.rss_kb = kb;
      if (name == "Anonymous") m.anonymous_kb = kb;
      if (name == "Locked") m.locked_kb = kb;
      continue;
    }
    SmapsMapping m;
    if (!ParseHeader(line, &m)) {
      return absl::InvalidArgumentError(
          absl::StrCat("smaps line ", line_number, ": not a mapping header: '", Sv(line), "'"));
    }
    mappings.push_back(m);
  }
  return mappings;
}

absl::StatusOr<ReleasedPages> ReleaseStartupPages() {
  absl::StatusOr<std::string> smaps = ReadFile("/proc/self/smaps");
  if (!smaps.ok()) return smaps.status();
  absl::StatusOr<std::vector<SmapsMapping>> mappings = ParseSmaps(*smaps);
  if (!mappings.ok()) return mappings.status();
  ReleasedPages released;
  for (const SmapsMapping& m : *mappings) {
    if (!Releasable(m)) continue;
    // A failure (a mapping unmapped meanwhile) costs nothing but the saving: go on.
    if (madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED) != 0) continue;
    ++released.mappings;
    released.resident_kb += m.rss_kb;
  }
  return released;
}

}  // namespace otasuke
