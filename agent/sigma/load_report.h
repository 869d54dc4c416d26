#pragma once
// What loading a rule set found: every rejected rule with `file:line: rule <id>: reason`,
// warnings, and counts by reason code. Loading never stops at the first error.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace otasuke::agent::sigma {

struct LoadIssue {
  std::string file;
  int line = 0;
  std::string rule_id;  // "-" when the document has none
  std::string code;     // reason code: yaml-syntax, unknown-modifier, bad-condition, ...
  std::string message;
  std::string ToString() const;  // "file:line: rule <id>: <code>: <message>"
};

struct LoadReport {
  size_t files = 0;
  size_t documents = 0;
  size_t rules_loaded = 0;
  size_t correlations_loaded = 0;
  std::vector<LoadIssue> errors;    // rejected documents
  std::vector<LoadIssue> warnings;  // loaded, with something ignored
  std::map<std::string, size_t> errors_by_reason;

  void AddError(LoadIssue issue);
  // Multi-line human summary: counts, then errors grouped by reason.
  std::string Summary() const;
};

}  // namespace otasuke::agent::sigma
