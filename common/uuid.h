#pragma once
// UUIDs for agent identities (random, version 4) and alerts (time-ordered, version 7), from
// OpenSSL's CSPRNG.

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace otasuke {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower case.
std::string NewUuid();
// RFC 9562 version 7: the first 48 bits are `now` in Unix milliseconds, the other 74 random.
// Alert ids are these, so the collector's UUID index grows at its end (one page per many
// alerts) instead of taking a random leaf per alert (docs/PERFORMANCE.md).
std::string NewUuidV7(absl::Time now);
bool IsUuid(std::string_view text);

}  // namespace otasuke
