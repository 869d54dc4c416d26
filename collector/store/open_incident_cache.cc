#include "collector/store/open_incident_cache.h"

#include "common/strings.h"

namespace otasuke::collector {

std::optional<OpenIncidentCache::Lookup> OpenIncidentCache::Find(std::string_view key) const {
  auto found = keys_.find(Sv(key));
  if (found == keys_.end()) return std::nullopt;
  Lookup lookup{.incident_id = found->second};
  if (lookup.incident_id != 0) {
    auto seen = last_seen_us_.find(lookup.incident_id);
    if (seen == last_seen_us_.end()) return std::nullopt;  // not known after all: ask
    lookup.last_seen_us = seen->second;
  }
  return lookup;
}

void OpenIncidentCache::SetKey(std::string_view key, int64_t incident_id) {
  auto found = keys_.find(Sv(key));
  if (found != keys_.end()) {
    found->second = incident_id;
    return;
  }
  if (keys_.size() >= max_keys_) Clear();
  keys_.emplace(std::string(key), incident_id);
}

void OpenIncidentCache::SetLastSeen(int64_t incident_id, int64_t last_seen_us) {
  last_seen_us_[incident_id] = last_seen_us;
}

void OpenIncidentCache::Validate(int64_t data_version) {
  if (data_version_.has_value() && *data_version_ != data_version) Clear();
  data_version_ = data_version;
}

void OpenIncidentCache::Clear() {
  if (keys_.empty() && last_seen_us_.empty()) return;
  keys_.clear();
  last_seen_us_.clear();
  ++clears_;
}

}  // namespace otasuke::collector
