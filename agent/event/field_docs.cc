#include "agent/event/field_docs.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"

namespace otasuke::agent {

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kIp:
      return "ip";
    case FieldType::kPath:
      return "path";
    case FieldType::kHashes:
      return "hashes";
  }
  return "?";
}

std::string FieldListText() {
  size_t width = 0;
  for (const FieldDescriptor& d : kFieldTable) width = std::max(width, d.name.size());
  std::string out;
  for (const FieldDescriptor& d : kFieldTable) {
    absl::StrAppendFormat(&out, "%-*s  %-7s  %s\n", static_cast<int>(width), d.name,
                          FieldTypeName(d.type), d.description);
  }
  return out;
}

std::string FieldsMarkdown() {
  std::string out =
      "# Event fields\n\n"
      "Generated from the descriptor table in `agent/event/fields.h` (also printed by\n"
      "`otasuke-agent --list-fields`); a test keeps this file in step with the table. Names\n"
      "follow Sysmon, as Sigma rules expect. Fields outside the table (as Windows event logs\n"
      "carry them) still reach rules by their exact name.\n\n"
      "| Field | Type | Description |\n|---|---|---|\n";
  for (const FieldDescriptor& d : kFieldTable) {
    absl::StrAppend(&out, "| `", Sv(d.name), "` | ", Sv(FieldTypeName(d.type)), " | ",
                    Sv(d.description), " |\n");
  }
  return out;
}

}  // namespace otasuke::agent
