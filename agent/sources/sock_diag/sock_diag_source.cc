#include "agent/sources/sock_diag/sock_diag_source.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "absl/time/clock.h"
#include "agent/network/packet/community_id.h"
#include "agent/sources/sock_diag/idle_poll_interval.h"
#include "common/status_macros.h"
#include "common/stoppable_sleep.h"

namespace otasuke::agent {
namespace {

bool IsUnspecified(const network::IpAddress& a) {
  for (int i = 0; i < a.size(); ++i) {
    if (a.bytes[i] != 0) return false;
  }
  return true;
}

}  // namespace

size_t SockDiagSource::KeyHash::operator()(const Key& k) const {
  size_t h = k.protocol;
  for (uint8_t b : k.local.bytes) h = h * 131 + b;
  for (uint8_t b : k.remote.bytes) h = h * 131 + b;
  return h * 65599 + (static_cast<size_t>(k.local_port) << 16 | k.remote_port);
}

SockDiagSource::SockDiagSource(Options options)
    : options_(std::move(options)),
      owners_(options_.proc_root),
      activity_(options_.proc_root),
      proc_(options_.proc_root) {}

absl::Status SockDiagSource::Open() { return table_.Open(); }

SourceStats SockDiagSource::stats() const {
  return SourceStats{.events = events_.load(), .overruns = 0, .partial = partial_.load()};
}

absl::Status SockDiagSource::Run(EventHandler& handler, std::stop_token stop) {
  IdlePollInterval wait(options_.interval, options_.idle_interval);
  while (!stop.stop_requested()) {
    // The counters are read before the dump: a connection opening in between moves them
    // again, so the next poll dumps too — a duplicate dump, never a missed connection.
    const bool moved = activity_.Changed();
    if (DumpDue(moved)) RETURN_IF_ERROR(Poll(handler));
    // One wake-up per wait; a stop request ends the wait at once.
    if (SleepUnlessStopped(wait.Next(moved), stop)) break;
  }
  return absl::OkStatus();
}

bool SockDiagSource::DumpDue(bool counters_moved) const {
  return counters_moved || absl::Now() - last_dump_ >= options_.full_dump_every;
}

absl::Status SockDiagSource::Poll(EventHandler& handler) {
  last_dump_ = absl::Now();
  dumps_.fetch_add(1, std::memory_order_relaxed);
  fresh_.clear();
  listening_tcp_ports_.clear();
  wanted_inodes_.clear();
  for (auto& [key, seen] : known_) seen = false;
  RETURN_IF_ERROR(table_.Dump([&](const SocketEntry& entry) {
    if (entry.protocol == IPPROTO_TCP && entry.state == TCP_LISTEN) {
      listening_tcp_ports_.insert(entry.local_port);
      return;
    }
    // Unconnected UDP sockets have no peer: not a connection.
    if (entry.remote_port == 0 || IsUnspecified(entry.remote)) return;
    const Key key{entry.protocol, entry.local, entry.remote, entry.local_port, entry.remote_port};
    auto [it, inserted] = known_.try_emplace(key, true);
    it->second = true;
    if (inserted && baseline_taken_) {
      fresh_.push_back(entry);
      if (entry.inode != 0) wanted_inodes_.insert(entry.inode);
    }
  }));
  std::erase_if(known_, [](const auto& item) { return !item.second; });
  const bool report = baseline_taken_;
  baseline_taken_ = true;  // the first dump is what ran before us: not new
  if (!report || fresh_.empty()) return absl::OkStatus();
  owner_of_.clear();
  if (!wanted_inodes_.empty()) owners_.Resolve(wanted_inodes_, &owner_of_);
  for (const SocketEntry& entry : fresh_) {
    // Inbound: a TCP connection on a port this host listens on. Everything else was opened
    // from here (connected UDP sockets included).
    const bool initiated =
        !(entry.protocol == IPPROTO_TCP && listening_tcp_ports_.contains(entry.local_port));
    auto owner = owner_of_.find(entry.inode);
    Emit(entry, initiated, owner == owner_of_.end() ? 0 : owner->second, handler);
  }
  return absl::OkStatus();
}

void SockDiagSource::Emit(const SocketEntry& entry, bool initiated, pid_t pid,
                          EventHandler& handler) {
  event_.Clear();
  event_.set_time(absl::Now());
  LogSource& source = event_.source();
  source.product = "linux";
  source.category = "network_connection";
  source.service.clear();
  event_.Set(FieldId::kProtocol, entry.protocol == IPPROTO_TCP ? "tcp" : "udp");
  event_.Set(FieldId::kInitiated, initiated ? "true" : "false");
  scratch_ = entry.local.ToString();
  event_.Set(FieldId::kSourceIp, scratch_);
  scratch_ = std::to_string(entry.local_port);
  event_.Set(FieldId::kSourcePort, scratch_);
  scratch_ = entry.remote.ToString();
  event_.Set(FieldId::kDestinationIp, scratch_);
  scratch_ = std::to_string(entry.remote_port);
  event_.Set(FieldId::kDestinationPort, scratch_);
  event_.Set(FieldId::kDestinationIsIpv6, entry.remote.family == 6 ? "true" : "false");
  // The same flow hash the network engine puts on its alerts, so the two join.
  scratch_ = network::CommunityId(entry.local, entry.remote, entry.local_port, entry.remote_port,
                                  entry.protocol);
  event_.Set(FieldId::kCommunityId, scratch_);
  event_.Set(FieldId::kUser, proc_.UserNameOf(entry.uid));
  bool complete = false;
  if (pid > 0) {
    scratch_ = std::to_string(pid);
    event_.Set(FieldId::kProcessId, scratch_);
    if (proc_.ReadImage(pid, &scratch_)) {
      event_.Set(FieldId::kImage, scratch_);
      complete = true;
    }
  }
  if (!complete) partial_.fetch_add(1, std::memory_order_relaxed);
  events_.fetch_add(1, std::memory_order_relaxed);
  handler.OnEvent(event_);
}

}  // namespace otasuke::agent
