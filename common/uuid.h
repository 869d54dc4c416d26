#pragma once
// Random (version 4) UUIDs for alert and agent identities, from OpenSSL's CSPRNG.

#include <string>
#include <string_view>

namespace otasuke {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower case.
std::string NewUuid();
bool IsUuid(std::string_view text);

}  // namespace otasuke
