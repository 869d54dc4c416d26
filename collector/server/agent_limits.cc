#include "collector/server/agent_limits.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace otasuke::collector {

void TokenBucket::Refill(absl::Time now) {
  if (now > last_) {
    tokens_ = std::min(capacity_, tokens_ + absl::ToDoubleSeconds(now - last_) * rate_);
    last_ = now;
  }
}

absl::Duration TokenBucket::Take(double amount, absl::Time now) {
  Refill(now);
  tokens_ -= amount;
  if (tokens_ >= 0 || rate_ <= 0) return absl::ZeroDuration();
  return absl::Seconds(-tokens_ / rate_);
}

bool TokenBucket::full(absl::Time now) const {
  const double elapsed = now > last_ ? absl::ToDoubleSeconds(now - last_) : 0;
  return tokens_ + elapsed * rate_ >= capacity_;
}

std::string_view PeerAddress(std::string_view peer) {
  const size_t colon = peer.rfind(':');
  const size_t scheme = peer.find(':');
  if (colon == std::string_view::npos || colon == scheme) return peer;  // "unix:/path" etc.
  const size_t bracket = peer.rfind(']');
  if (bracket != std::string_view::npos && bracket > colon) return peer;  // "[::1]" alone
  return peer.substr(0, colon);
}

std::string PeerLimitKey(std::string_view peer) {
  const std::string_view address = PeerAddress(peer);
  constexpr std::string_view kIpv6 = "ipv6:[";
  if (!address.starts_with(kIpv6) || !address.ends_with(']')) return std::string(address);
  const std::string text(address.substr(kIpv6.size(), address.size() - kIpv6.size() - 1));
  in6_addr ip{};
  if (inet_pton(AF_INET6, text.c_str(), &ip) != 1) return std::string(address);
  char out[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&ip)) {
    inet_ntop(AF_INET, &ip.s6_addr[12], out, sizeof(out));
    return absl::StrCat("ipv4:", out);
  }
  std::fill(ip.s6_addr + 8, ip.s6_addr + 16, 0);  // the interface identifier
  inet_ntop(AF_INET6, &ip, out, sizeof(out));
  return absl::StrCat("ipv6:[", out, "]/64");
}

bool AgentLimiter::AdmitStream() {
  absl::MutexLock lock(&mu_);
  if (streams_.open >= limits_.max_streams) {
    ++streams_.refused_max_streams;
    return false;
  }
  ++streams_.open;
  return true;
}

void AgentLimiter::ReleaseStream() {
  absl::MutexLock lock(&mu_);
  --streams_.open;
}

int AgentLimiter::open_streams() const {
  absl::MutexLock lock(&mu_);
  return streams_.open;
}

uint64_t AgentLimiter::rejected_streams() const {
  absl::MutexLock lock(&mu_);
  return streams_.refused_max_streams;
}

bool AgentLimiter::AdmitUnauthenticated(std::string_view address) {
  absl::MutexLock lock(&mu_);
  auto it = unauthenticated_.find(address);
  if (it != unauthenticated_.end() && it->second >= limits_.max_unauthenticated_per_address) {
    ++streams_.refused_per_address;
    return false;
  }
  if (it == unauthenticated_.end()) it = unauthenticated_.emplace(address, 0).first;
  ++it->second;
  ++streams_.unauthenticated;
  return true;
}

void AgentLimiter::ReleaseUnauthenticated(std::string_view address) {
  absl::MutexLock lock(&mu_);
  auto it = unauthenticated_.find(address);
  if (it == unauthenticated_.end()) return;
  --streams_.unauthenticated;
  if (--it->second <= 0) unauthenticated_.erase(it);
}

void AgentLimiter::CountHelloTimeout() {
  absl::MutexLock lock(&mu_);
  ++streams_.hello_timeouts;
}

StreamCounters AgentLimiter::stream_counters() const {
  absl::MutexLock lock(&mu_);
  return streams_;
}

AgentLimiter::AgentEntry& AgentLimiter::EntryLocked(std::string_view agent_id, absl::Time now) {
  auto it = agents_.find(agent_id);
  if (it != agents_.end()) return it->second;
  if (agents_.size() >= limits_.max_tracked_agents) {
    // Forget agents whose buckets refilled: they carry no debt, only counters.
    std::erase_if(agents_, [now](const auto& entry) {
      return entry.second.alerts.full(now) && entry.second.bytes.full(now);
    });
  }
  const double burst = absl::ToDoubleSeconds(limits_.burst);
  return agents_
      .try_emplace(std::string(agent_id),
                   AgentEntry{
                       .alerts = TokenBucket(limits_.alerts_per_second,
                                             std::max(1.0, limits_.alerts_per_second * burst), now),
                       .bytes = TokenBucket(limits_.bytes_per_second,
                                            std::max(1.0, limits_.bytes_per_second * burst), now),
                   })
      .first->second;
}

absl::Duration AgentLimiter::Charge(std::string_view agent_id, int alerts, size_t bytes) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  AgentEntry& entry = EntryLocked(agent_id, now);
  absl::Duration pause =
      std::max(entry.alerts.Take(alerts, now), entry.bytes.Take(static_cast<double>(bytes), now));
  if (pause > absl::ZeroDuration()) {
    ++entry.stats.throttled;
    entry.stats.throttled_for += pause;
  }
  return pause;
}

void AgentLimiter::CountViolation(std::string_view agent_id) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  ++EntryLocked(agent_id, now).stats.violations;
}

bool AgentLimiter::ShouldAudit(std::string_view agent_id) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  AgentEntry& entry = EntryLocked(agent_id, now);
  if (now - entry.last_audit < limits_.audit_interval) return false;
  entry.last_audit = now;
  return true;
}

std::optional<AgentLimitStats> AgentLimiter::Stats(std::string_view agent_id) const {
  absl::MutexLock lock(&mu_);
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return std::nullopt;
  return it->second.stats;
}

}  // namespace otasuke::collector
