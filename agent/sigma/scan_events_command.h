#pragma once
// `otasuke-agent scan-events [--rules PATH]... [--alerts FILE] [--strict] FILE...`: runs the
// Sigma engine (and correlations) over event files and writes one JSON line per alert:
//   {"rule":{"id","title","level","tags"},"file":..,"time":..,"logsource":{..},"event":{..}}
// (correlation alerts add "correlation":{"type","group","count"}). A summary goes to stderr.

#include <string>

namespace otasuke::agent::sigma {

// argv[0] is the command name ("scan-events"); flags and files follow. Returns the process
// exit code: 0 on success, 1 when rules or inputs cannot be read, 2 on bad usage.
int RunScanEvents(int argc, const char* const* argv);

}  // namespace otasuke::agent::sigma
