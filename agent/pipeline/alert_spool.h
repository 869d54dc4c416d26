#pragma once
// Seam: the agent's durable alert store. The AlertQueue keeps only an index in memory and the
// alerts themselves here, so an alert raised before a crash is sent after the restart. One
// Apply() is one durable step (appends, evictions and acknowledged deletes together); what it
// returned OK for survives kill -9 and power loss. Implementation: sqlite_alert_spool.h.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::agent {

// One stored alert: its sequence, severity (for eviction) and serialized otasuke.v1.Alert.
struct SpooledAlert {
  uint64_t sequence = 0;
  otasuke::v1::Severity severity = otasuke::v1::SEVERITY_UNSPECIFIED;
  std::string body;
};

// The index entry of a stored alert, without its body.
struct SpoolEntry {
  uint64_t sequence = 0;
  otasuke::v1::Severity severity = otasuke::v1::SEVERITY_UNSPECIFIED;
  uint64_t bytes = 0;  // body size
};

// Changes applied as one durable step.
struct SpoolCommit {
  std::vector<SpooledAlert> append;  // in sequence order, above everything stored
  std::vector<uint64_t> remove;      // evicted (or unreadable) sequences
  uint64_t remove_through = 0;       // acknowledged: every sequence <= this goes
};

// What opening found: entries kept, and what was lost to a corrupt or truncated file.
struct SpoolRecovery {
  uint64_t entries = 0;
  uint64_t lost = 0;   // unreadable records or regions (at least this many alerts)
  std::string detail;  // empty when the file was sound
};

class AlertSpool {
 public:
  virtual ~AlertSpool() = default;

  virtual const SpoolRecovery& recovery() const = 0;
  // Every stored alert, in sequence order (the queue rebuilds its index from this at start).
  virtual absl::StatusOr<std::vector<SpoolEntry>> ListEntries() = 0;
  // Durable when it returns OK.
  virtual absl::Status Apply(const SpoolCommit& commit) = 0;
  // Appends to `out` the stored alerts with first <= sequence <= last, in order.
  virtual absl::Status ReadRange(uint64_t first, uint64_t last, std::vector<SpooledAlert>* out) = 0;
  // Bytes the spool takes on disk now (file plus journal).
  virtual uint64_t DiskBytes() const = 0;
};

}  // namespace otasuke::agent
