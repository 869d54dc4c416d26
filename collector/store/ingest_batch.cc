#include "collector/store/ingest_batch.h"

#include <cstring>

namespace otasuke::collector {
namespace {

int64_t ProtoMicros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000000 + ts.nanos() / 1000;
}

// Appends `text` at `*cursor` and returns the view of the copy (never a null pointer, even when
// empty: SQLite binds a null pointer as NULL, not as '').
std::string_view Put(std::string_view text, char** cursor) {
  if (text.empty()) return std::string_view(*cursor, 0);
  std::memcpy(*cursor, text.data(), text.size());
  std::string_view copy(*cursor, text.size());
  *cursor += text.size();
  return copy;
}

size_t TextBytes(const v1::Alert& alert) {
  return alert.uuid().size() + alert.agent_id().size() + alert.tenant_id().size() +
         alert.hostname().size() + alert.title().size() + alert.rule().rule_id().size() +
         alert.rule().ruleset_version().size();
}

}  // namespace

IngestBatch::IngestBatch(const std::vector<v1::Alert>& alerts, const IncidentGrouper& grouper) {
  // Pass 1: sizes, and the group keys (owned strings until they are packed).
  std::vector<std::string> keys;
  std::vector<size_t> key_counts(alerts.size());
  size_t total = 0;
  for (size_t i = 0; i < alerts.size(); ++i) {
    const size_t before = keys.size();
    grouper.GroupKeys(alerts[i], &keys);
    key_counts[i] = keys.size() - before;
    total += TextBytes(alerts[i]) + alerts[i].ByteSizeLong();  // caches sizes for pass 2
  }
  for (const std::string& key : keys) total += key.size();

  // Pass 2: one buffer of exactly that size, so no view is invalidated by a reallocation.
  bytes_.resize(total);
  char* cursor = bytes_.data();
  keys_.reserve(keys.size());
  for (const std::string& key : keys) keys_.push_back(Put(key, &cursor));
  alerts_.resize(alerts.size());
  size_t first_key = 0;
  for (size_t i = 0; i < alerts.size(); ++i) {
    const v1::Alert& alert = alerts[i];
    PackedAlert& packed = alerts_[i];
    packed.uuid = Put(alert.uuid(), &cursor);
    packed.agent_id = Put(alert.agent_id(), &cursor);
    packed.tenant_id = Put(alert.tenant_id(), &cursor);
    packed.hostname = Put(alert.hostname(), &cursor);
    packed.title = Put(alert.title(), &cursor);
    packed.rule_id = Put(alert.rule().rule_id(), &cursor);
    packed.ruleset_version = Put(alert.rule().ruleset_version(), &cursor);
    auto* body_start = reinterpret_cast<uint8_t*>(cursor);
    auto* body_end = alert.SerializeWithCachedSizesToArray(body_start);
    packed.body = std::string_view(cursor, static_cast<size_t>(body_end - body_start));
    cursor += packed.body.size();
    packed.sequence = alert.sequence();
    packed.rule_engine = alert.rule().engine();
    packed.rule_revision = alert.rule().revision();
    packed.severity = alert.severity();
    packed.event_time_us = ProtoMicros(alert.event_time());
    packed.detection_time_us = ProtoMicros(alert.detection_time());
    packed.group_keys = std::span<const std::string_view>(keys_.data() + first_key, key_counts[i]);
    first_key += key_counts[i];
  }
}

}  // namespace otasuke::collector
