#pragma once
// The alerts of one ingest write as the store's writer thread needs them: the serialised body,
// the bound columns and the incident group keys of each alert, packed into one buffer on the
// submitting thread (a gRPC thread). The received protobufs are destroyed where they were parsed,
// and the writer, which bounds ingest, frees three blocks per write instead of dozens of strings
// per alert. Views stay valid for the batch's lifetime, so the writer binds them to SQLite
// without a copy (Stmt::BindStatic).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collector/incident/grouper.h"
#include "otasuke/v1/alert.pb.h"

namespace otasuke::collector {

// One alert's columns; every view points into its IngestBatch.
struct PackedAlert {
  std::string_view uuid;
  std::string_view agent_id;
  std::string_view tenant_id;
  std::string_view hostname;
  std::string_view title;
  std::string_view rule_id;
  std::string_view ruleset_version;
  std::string_view body;  // the serialised v1::Alert
  uint64_t sequence = 0;
  int64_t rule_engine = 0;
  int64_t rule_revision = 0;
  int64_t severity = 0;
  int64_t event_time_us = 0;
  int64_t detection_time_us = 0;
  // IncidentGrouper::GroupKeys, in precedence order.
  std::span<const std::string_view> group_keys;
};

class IngestBatch {
 public:
  // Serialises `alerts` and computes their group keys with `grouper`.
  IngestBatch(const std::vector<v1::Alert>& alerts, const IncidentGrouper& grouper);
  IngestBatch(const IngestBatch&) = delete;
  IngestBatch& operator=(const IngestBatch&) = delete;

  const std::vector<PackedAlert>& alerts() const { return alerts_; }

 private:
  std::string bytes_;  // sized once, never reallocated: the views below point into it
  std::vector<std::string_view> keys_;
  std::vector<PackedAlert> alerts_;
};

}  // namespace otasuke::collector
