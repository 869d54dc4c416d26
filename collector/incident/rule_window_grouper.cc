#include "collector/incident/rule_window_grouper.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace otasuke::collector {
namespace {

std::string RuleName(const v1::Alert& alert) {
  return absl::StrCat(v1::Engine_Name(alert.rule().engine()), ":", alert.rule().rule_id());
}

}  // namespace

std::string RuleWindowGrouper::GroupKey(const v1::Alert& alert) const {
  // Unit separators cannot occur in the printable ids, so distinct triples never collide.
  return absl::StrCat(alert.tenant_id(), "\x1f", alert.hostname(), "\x1f", RuleName(alert));
}

bool RuleWindowGrouper::Joins(absl::Time incident_last_seen, absl::Time now) const {
  return now - incident_last_seen <= window_;
}

std::string RuleWindowGrouper::DedupKey(const v1::Alert& alert, absl::Time first_seen) const {
  std::string key = absl::StrCat("otasuke/", alert.tenant_id(), "/", alert.hostname(), "/",
                                 RuleName(alert), "/", absl::ToUnixMicros(first_seen));
  if (key.size() <= kMaxDedupKeyLength) return key;
  // Too long (very long host or rule names): keep a readable prefix and make it unique with a
  // digest of the whole key.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  return absl::StrCat(key.substr(0, kMaxDedupKeyLength - hex.size() - 1), "#", hex);
}

}  // namespace otasuke::collector
