#pragma once
// A host event as detectors see it: a log source, a time, and field values keyed by the
// compiled FieldId of the descriptor table (fields.h). Fields outside the table, as Windows
// event logs carry them, go in a small overflow list that rules resolve by name at compile
// time. An Event is reused by its source thread: Clear() keeps string capacity, so steady
// state allocates nothing.

#include <array>
#include <bitset>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "agent/event/fields.h"

namespace otasuke::agent {

// Sigma's logsource triple. Empty means "not set".
struct LogSource {
  std::string product;   // linux, windows
  std::string category;  // process_creation, network_connection, dns_query, file_event, ...
  std::string service;   // sysmon, security, system, auditd, ...
};

class Event {
 public:
  void Clear() {
    present_.reset();
    extra_count_ = 0;
    time_ = absl::InfinitePast();
  }

  LogSource& source() { return source_; }
  const LogSource& source() const { return source_; }
  absl::Time time() const { return time_; }
  void set_time(absl::Time t) { time_ = t; }

  void Set(FieldId id, std::string_view value) {
    const size_t i = static_cast<size_t>(id);
    values_[i].assign(value.data(), value.size());
    present_.set(i);
  }
  bool Has(FieldId id) const { return present_.test(static_cast<size_t>(id)); }
  // Empty view when absent; use Has() to tell absent from empty.
  std::string_view Get(FieldId id) const {
    const size_t i = static_cast<size_t>(id);
    return present_.test(i) ? std::string_view(values_[i]) : std::string_view();
  }

  // Fields outside the descriptor table (exact name match).
  void SetExtra(std::string_view name, std::string_view value) {
    if (extra_count_ == extras_.size()) extras_.emplace_back();
    extras_[extra_count_].first.assign(name.data(), name.size());
    extras_[extra_count_].second.assign(value.data(), value.size());
    ++extra_count_;
  }
  const std::string* FindExtra(std::string_view name) const {
    for (size_t i = 0; i < extra_count_; ++i) {
      if (extras_[i].first == name) return &extras_[i].second;
    }
    return nullptr;
  }
  // Index of the extra field `name`, or -1. Lets a reader of several values of one event
  // cache per-field work by position.
  int FindExtraIndex(std::string_view name) const {
    for (size_t i = 0; i < extra_count_; ++i) {
      if (extras_[i].first == name) return static_cast<int>(i);
    }
    return -1;
  }
  size_t extra_count() const { return extra_count_; }
  const std::pair<std::string, std::string>& extra(size_t i) const { return extras_[i]; }

 private:
  LogSource source_;
  absl::Time time_ = absl::InfinitePast();
  std::array<std::string, kFieldCount> values_;
  std::bitset<kFieldCount> present_;
  std::vector<std::pair<std::string, std::string>> extras_;
  size_t extra_count_ = 0;
};

}  // namespace otasuke::agent
