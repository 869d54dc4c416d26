#pragma once
// Bulk import of regions, tenants, responders and rota entries from YAML (one file, a section
// per kind) or CSV (one file per kind, chosen by the file name: regions*.csv, tenants*.csv,
// responders*.csv, rota*.csv). Both formats feed one field table per kind, so they accept the
// same fields. Every error is collected and names file:line, the field and why; a file with any
// error yields no records.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "collector/tenancy/tenant_directory.h"

namespace otasuke::collector::tenancy {

// Parses `text` as the file `origin` (its extension selects YAML or CSV; for CSV its name
// selects the kind).
absl::StatusOr<ImportBundle> ParseImport(std::string_view origin, std::string_view text);
// Moves the records of `from` after those of `into` (several files make one import).
void AppendBundle(ImportBundle& into, ImportBundle from);
// Reads and parses a file; several files merge into `bundle`.
absl::Status ParseImportFile(const std::string& path, ImportBundle& bundle);

}  // namespace otasuke::collector::tenancy
