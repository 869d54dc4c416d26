#pragma once
// Rules the memo tests (candidate_memo_test, event_memo_test) share: the Windows
// process-creation rules whose answers a memo keyed by the prefilter fields may keep, or must
// not. Each test joins these with its own rules, in the order its expected matches name.

#include <initializer_list>
#include <string>
#include <string_view>

namespace otasuke::agent::sigma::testing {

// Reads only Image, CommandLine and ParentImage, all prefilter fields: determined by the key.
inline constexpr std::string_view kShellKeyOnlyRule = R"(title: Shell, key fields only
id: r-key
logsource: {product: windows, category: process_creation}
detection:
  img: {Image|endswith: '\cmd.exe'}
  cmd: {CommandLine|contains: 'whoami'}
  filter: {ParentImage|contains: '\services.exe'}
  condition: img and cmd and not filter
)";

// Reads User only: determined by the key.
inline constexpr std::string_view kServiceAccountRule = R"(title: Service accounts
id: r-user
logsource: {product: windows, category: process_creation}
detection:
  sel: {User|contains: 'svc_'}
  condition: sel
)";

// A cased test (answered by no hit record) and ProcessId (outside the key): evaluated on every
// memo hit.
inline constexpr std::string_view kCasedShellRule =
    R"(title: Cased shell with a process id (reads no hit record)
id: r-cased
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith|cased: '\cmd.exe', ProcessId|lt: 3000}
  condition: sel
)";

// One YAML stream of the given rule documents, in that order.
inline std::string JoinRules(std::initializer_list<std::string_view> rules) {
  std::string stream;
  for (const std::string_view rule : rules) {
    if (!stream.empty()) stream += "---\n";
    stream += rule;
  }
  return stream;
}

}  // namespace otasuke::agent::sigma::testing
