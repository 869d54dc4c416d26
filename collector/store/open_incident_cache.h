#pragma once
// What the store's writer knows, across writes, about where incident group keys lead: so that an
// alert joining an open incident costs hash look-ups, not a query per key. Writer thread only.
//
// It mirrors incident_keys + incidents as this connection wrote them; it is correct only while no
// other connection changed them (the console resolves, merges and splits incidents through its
// own connection) and no write was rolled back. The writer therefore calls Validate with
// PRAGMA data_version at the start of every transaction (it changes when another connection
// committed) and Clear when a write or transaction fails.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace otasuke::collector {

class OpenIncidentCache {
 public:
  // Where a key leads: the newest open incident it was attached to (0: none) and that
  // incident's last_seen (Unix µs).
  struct Lookup {
    int64_t incident_id = 0;
    int64_t last_seen_us = 0;
  };

  // At most `max_keys` keys are remembered; beyond that the cache starts over (a look-up then
  // costs one query again).
  explicit OpenIncidentCache(size_t max_keys) : max_keys_(max_keys) {}

  // Empty when the key is not known (ask the database).
  std::optional<Lookup> Find(std::string_view key) const;
  // `key` leads to `incident_id` (0: to no open incident).
  void SetKey(std::string_view key, int64_t incident_id);
  void SetLastSeen(int64_t incident_id, int64_t last_seen_us);
  // Clears everything when `data_version` differs from the one given last time.
  void Validate(int64_t data_version);
  void Clear();

  size_t size() const { return keys_.size(); }
  uint64_t clears() const { return clears_; }

 private:
  const size_t max_keys_;
  absl::flat_hash_map<std::string, int64_t> keys_;      // group key -> incident (0: none)
  absl::flat_hash_map<int64_t, int64_t> last_seen_us_;  // incident -> last_seen
  std::optional<int64_t> data_version_;
  uint64_t clears_ = 0;
};

}  // namespace otasuke::collector
