#pragma once
// A cheap change detector in front of the socket-table dump: the kernel's SNMP counters of
// opened and closed TCP connections and of sent UDP datagrams (/proc/net/snmp, snmp6).
//
// Why: a sock_diag dump walks every bucket of the kernel's connection hash tables, and their
// size follows the machine's RAM, not its number of sockets (hundreds of thousands of buckets on
// a PC). Profiled on an idle agent, that walk was its largest cost. When none of these counters
// moved, no connection can have opened, so the dump is skipped. A connected UDP socket that has
// sent nothing moves no counter: it is reported by the periodic full dump instead
// (SockDiagSource::Options::full_dump_every).
//
// On an idle host these reads are then the source's whole cost, so they are kept small: both
// files stay open and are read with pread() from offset 0 (procfs regenerates the text on every
// read from offset 0) into fixed buffers, and the few counters are parsed in place — no open,
// no close, no allocation per look.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace otasuke::agent {

// The counters that move when a connection opens or closes, in a fixed order.
struct SocketCounters {
  // Tcp ActiveOpens, PassiveOpens, CurrEstab; Udp OutDatagrams; Udp6OutDatagrams.
  std::array<uint64_t, 5> values{};
  bool operator==(const SocketCounters&) const = default;
};

// Parses the text of /proc/net/snmp (header line + value line per protocol) and of
// /proc/net/snmp6 (`name value` lines; empty when IPv6 is off). Errors name the missing field.
// Allocates nothing unless it fails.
absl::StatusOr<SocketCounters> ParseSocketCounters(std::string_view snmp, std::string_view snmp6);

class SocketActivity {
 public:
  explicit SocketActivity(std::string proc_root = "/proc");
  ~SocketActivity();
  SocketActivity(const SocketActivity&) = delete;
  SocketActivity& operator=(const SocketActivity&) = delete;

  // True when the counters differ from the previous call's, on the first call, and whenever
  // they cannot be read (then every poll dumps, as without this gate). A file that cannot be
  // opened is tried again on the next call.
  bool Changed();

 private:
  // One /proc file kept open and read whole from offset 0 into a fixed buffer.
  struct OpenFile {
    std::string path;
    int fd = -1;
    std::array<char, 16384> buffer;
    // Points `text` at the file's current content (at most the buffer's size); false when the
    // file cannot be opened or read. Opens it on first use and after a failed read.
    bool Read(std::string_view* text);
    void Close();
  };

  OpenFile snmp_;
  OpenFile snmp6_;
  bool have_last_ = false;
  SocketCounters last_;
};

}  // namespace otasuke::agent
