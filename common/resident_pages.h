#pragma once
// Gives back the resident pages a process touched only while starting.
//
// Loading gRPC, OpenSSL, protobuf and Hyperscan, and compiling rule databases, touches several
// megabytes of library text and constants that the steady state never runs again (the rule
// compilers, the TLS and resolver set-up, static initialisers). Those pages stay mapped, and so
// count in the process's RSS, until memory pressure takes them. On a 128 MB router the agent
// should not look (or be) larger than what it uses, so after start-up and after each rule
// reload it drops its mappings of pages it has never written: the read-only, file-backed
// mappings without a single private copy-on-write page. `madvise(MADV_DONTNEED)` on such a
// mapping only removes this process's page-table entries; the file's pages stay in the page
// cache, and any page still in use faults straight back in (a minor fault, no disk read).
// Mappings holding private copies (relocated RELRO data, a debugger's breakpoints) are never
// touched: dropping those would lose their contents.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace otasuke {

struct ReleasedPages {
  size_t mappings = 0;     // read-only file mappings released
  size_t resident_kb = 0;  // their resident size before the release
};

// One /proc/<pid>/smaps mapping, as far as the release needs it.
struct SmapsMapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  bool readable = false;
  bool writable = false;
  bool file_backed = false;  // a non-zero inode: program, library or other mapped file
  size_t rss_kb = 0;
  size_t anonymous_kb = 0;  // private copy-on-write pages
  size_t locked_kb = 0;
};

// Whether a mapping may be released: readable, never writable, file-backed, resident, and
// holding no private or locked pages.
bool Releasable(const SmapsMapping& mapping);

// The mappings of an smaps text (/proc/<pid>/smaps); an error names the line that is not smaps.
absl::StatusOr<std::vector<SmapsMapping>> ParseSmaps(std::string_view smaps);

// Releases every releasable mapping of this process (reads /proc/self/smaps).
absl::StatusOr<ReleasedPages> ReleaseStartupPages();

}  // namespace otasuke
