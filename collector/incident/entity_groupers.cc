#include "collector/incident/entity_groupers.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "collector/incident/group_keys.h"
#include "common/strings.h"

namespace otasuke::collector {

void RuleGrouper::AppendKeys(const v1::Alert& alert, std::vector<std::string>* keys) const {
  keys->push_back(ScopedGroupKey(
      alert, absl::StrCat(v1::Engine_Name(alert.rule().engine()), ":", alert.rule().rule_id())));
}

void ProcessTreeGrouper::AppendKeys(const v1::Alert& alert, std::vector<std::string>* keys) const {
  if (!alert.has_process()) return;
  const v1::ProcessEvidence& process = alert.process();
  if (process.pid() > 0) {
    keys->push_back(
        ScopedGroupKey(alert, absl::StrCat("process:", process.pid(), ":", process.image())));
  }
  if (process.ppid() > 2) {
    keys->push_back(ScopedGroupKey(
        alert, absl::StrCat("process:", process.ppid(), ":", process.parent_image())));
  }
}

void RemoteIpGrouper::AppendKeys(const v1::Alert& alert, std::vector<std::string>* keys) const {
  if (!alert.has_network()) return;
  const std::string& src = alert.network().src_ip();
  const std::string& dest = alert.network().dest_ip();
  std::string_view remote = dest;
  if (IsPrivateAddress(dest) && !src.empty() && !IsPrivateAddress(src)) remote = src;
  if (remote.empty()) remote = src;
  if (remote.empty()) return;
  keys->push_back(ScopedGroupKey(alert, absl::StrCat("remote_ip:", Sv(remote))));
}

void CommunityIdGrouper::AppendKeys(const v1::Alert& alert, std::vector<std::string>* keys) const {
  if (!alert.has_network() || alert.network().community_id().empty()) return;
  keys->push_back(
      ScopedGroupKey(alert, absl::StrCat("community_id:", alert.network().community_id())));
}

bool IsPrivateAddress(std::string_view ip) {
  const std::string text(ip);
  uint8_t b[16];
  if (inet_pton(AF_INET, text.c_str(), b) == 1) {
    return b[0] == 10 || b[0] == 127 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
           (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) ||
           (b[0] == 100 && (b[1] & 0xc0) == 64);
  }
  if (inet_pton(AF_INET6, text.c_str(), b) == 1) {
    static constexpr uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (std::equal(b, b + 16, kLoopback)) return true;
    if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
    const bool v4_mapped =
        std::all_of(b, b + 10, [](uint8_t x) { return x == 0; }) && b[10] == 0xff && b[11] == 0xff;
    if (v4_mapped) {
      char v4[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, b + 12, v4, sizeof(v4)) != nullptr) return IsPrivateAddress(v4);
    }
  }
  return false;
}

}  // namespace otasuke::collector
