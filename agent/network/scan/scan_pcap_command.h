#pragma once
// `otasuke-agent scan-pcap [--rules PATH]... [--vars FILE] [--eve FILE] [--strict] PCAP...`:
// offline forensics over capture files with Suricata rules. Prints the rule-load summary and
// one stats line on stderr, EVE alerts to FILE (default stdout).

namespace otasuke::network {

// argv[0] is the command name ("scan-pcap"); flags and files follow. Returns the process
// exit code: 0 success, 1 unreadable input or rules that failed to load, 2 usage error.
int RunScanPcap(int argc, const char* const* argv);

}  // namespace otasuke::network
