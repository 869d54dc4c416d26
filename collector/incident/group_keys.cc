#include "collector/incident/group_keys.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "collector/incident/grouper.h"
#include "common/strings.h"

namespace otasuke::collector {

std::string ScopedGroupKey(const v1::Alert& alert, std::string_view entity) {
  return absl::StrCat(alert.tenant_id(), "\x1f", alert.hostname(), "\x1f", Sv(entity));
}

std::string DedupKeyFor(std::string_view group_key, absl::Time first_seen) {
  std::string key = absl::StrCat("otasuke/", absl::StrReplaceAll(Sv(group_key), {{"\x1f", "/"}}),
                                 "/", absl::ToUnixMicros(first_seen));
  if (key.size() <= kMaxDedupKeyLength) return key;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  size_t cut = kMaxDedupKeyLength - hex.size() - 1;
  // Never cut inside a UTF-8 sequence (paths may hold Japanese names): the key stays valid text.
  while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xc0) == 0x80) --cut;
  key.resize(cut);
  return absl::StrCat(key, "#", hex);
}

}  // namespace otasuke::collector
