#include "agent/config/agent_config.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace otasuke::agent {

std::vector<config::Field> AgentConfig::Fields() {
  return {
      {.key = "tenant", .help = "Tenant (SME) this agent belongs to", .value = &tenant},
      {.key = "agent_id",
       .help = "Agent id; empty: generated and kept in state_dir",
       .value = &agent_id},
      {.key = "hostname", .help = "Host name reported; empty: the system's", .value = &hostname},
      {.key = "profile", .help = "endpoint (SME PC) or gateway (router)", .value = &profile},
      {.key = "collector", .help = "Collector address host:port", .value = &collector},
      {.key = "transport_security",
       .help = "tls (mTLS with the enrolled identity) or insecure (loopback collector only)",
       .value = &transport_security},
      {.key = "state_dir",
       .help = "Agent state (identity, sequence, active rules)",
       .value = &state_dir},
      {.key = "run_as_user",
       .help = "User the agent becomes once its sources are open (keeping only the "
               "capabilities they need); root: stay root",
       .value = &run_as_user},
      {.key = "rules",
       .help = "Rule files or directories loaded at start (repeatable)",
       .value = &rules},
      {.key = "rules_strict",
       .help = "Reject a whole rule set when any rule in it does not load",
       .value = &rules_strict},
      {.key = "sigma.scan_cache_entries",
       .help = "Field values whose prefilter scan result each Sigma detector thread keeps, per "
               "field (512 bytes each; 0: none)",
       .value = &sigma_scan_cache_entries},
      {.key = "sigma.candidate_memo_entries",
       .help = "Combinations of cached field values whose candidate rules each Sigma detector "
               "thread keeps (about 340 bytes each; 0: none)",
       .value = &sigma_candidate_memo_entries},
      {.key = "sigma.event_memo_entries",
       .help = "Recurring events (their prefilter fields' values) whose Sigma answer each "
               "detector thread keeps (about 1.4 KiB each; 0: none)",
       .value = &sigma_event_memo_entries},
      {.key = "log_level", .help = "debug, info, warn or error", .value = &log_level},
      {.key = "heartbeat_interval",
       .help = "Time between heartbeats",
       .value = &heartbeat_interval},
      {.key = "reconnect.initial_backoff",
       .help = "First reconnect wait (then doubled, jittered)",
       .value = &reconnect_initial_backoff},
      {.key = "reconnect.max_backoff",
       .help = "Longest reconnect wait",
       .value = &reconnect_max_backoff},
      {.key = "reconnect.ack_timeout",
       .help = "Alerts sent and none acknowledged for this long: the link is dead, reconnect",
       .value = &reconnect_ack_timeout},
      {.key = "reconnect.keepalive_interval",
       .help = "Time between keepalive pings to the collector (at least 10s)",
       .value = &reconnect_keepalive_interval},
      {.key = "reconnect.keepalive_timeout",
       .help = "A keepalive ping unanswered for this long: the link is dead, reconnect",
       .value = &reconnect_keepalive_timeout},
      {.key = "queue.max_alerts",
       .help = "Alerts kept until acknowledged, at most",
       .value = &queue_max_alerts},
      {.key = "queue.max_bytes",
       .help = "Bytes of alerts kept until acknowledged, at most",
       .value = &queue_max_bytes},
      {.key = "max_message_bytes",
       .help = "Largest gRPC message sent or received",
       .value = &max_message_bytes},
      {.key = "spool.max_bytes",
       .help = "Disk budget of the alert spool; 0: 64MiB on a gateway, 256MiB on an endpoint",
       .value = &spool_max_bytes},
      {.key = "spool.drop_alert_interval",
       .help = "Shortest time between two meta-alerts reporting dropped alerts",
       .value = &spool_drop_alert_interval},
      {.key = "sources.process",
       .help = "Watch process starts (netlink proc connector)",
       .value = &process_source},
      {.key = "sources.connections",
       .help = "Report new TCP/UDP connections with their process (sock_diag polling)",
       .value = &connection_source},
      {.key = "sources.connections_interval",
       .help = "How often the socket table is read (shorter: fewer missed connections)",
       .value = &connection_interval},
      {.key = "sources.connections_idle_interval",
       .help = "Longest wait between two reads while no connection opens (the interval doubles "
               "up to it on a quiet host, back to connections_interval at the next one; at most "
               "connections_interval: no slowing down)",
       .value = &connection_idle_interval},
      {.key = "sources.network",
       .help = "Capture traffic and run the Suricata rules (libpcap)",
       .value = &network_source},
      {.key = "sources.events_file",
       .help = "Event file replayed once through the live pipeline at start (tests, forensics)",
       .value = &events_file},
      {.key = "network.interface",
       .help = "Interface to capture on (e.g. eth0, br-lan)",
       .value = &network_interface},
      {.key = "network.bpf",
       .help = "BPF filter for the capture; empty: all traffic",
       .value = &network_bpf},
      {.key = "network.snaplen", .help = "Bytes captured per packet", .value = &network_snaplen},
      {.key = "network.vars",
       .help = "YAML with Suricata `vars:` ($HOME_NET, ...); a suricata.yaml also works",
       .value = &network_vars},
      {.key = "network.classification",
       .help = "Suricata classification.config",
       .value = &network_classification},
      {.key = "network.tls_encryption_handling",
       .help = "Encrypted TLS sessions: default (tls.* rules only, no payload / stream "
               "inspection), full (inspected like any traffic) or bypass (not inspected); "
               "Suricata's app-layer.protocols.tls.encryption-handling",
       .value = &network_tls_encryption_handling},
  };
}

int64_t AgentConfig::SpoolBudgetBytes() const {
  if (spool_max_bytes > 0) return spool_max_bytes;
  return profile == "gateway" ? int64_t{64} << 20 : int64_t{256} << 20;
}

absl::Status AgentConfig::Validate() const {
  LogLevel level;
  if (!ParseLogLevel(log_level, &level)) {
    return absl::InvalidArgumentError(
        absl::StrCat("log_level: expected debug, info, warn or error, got '", log_level, "'"));
  }
  if (profile != "endpoint" && profile != "gateway") {
    return absl::InvalidArgumentError(
        absl::StrCat("profile: expected endpoint or gateway, got '", profile, "'"));
  }
  if (run_as_user.empty()) {
    return absl::InvalidArgumentError("run_as_user: must name a user (root: do not drop)");
  }
  if (tenant.empty()) return absl::InvalidArgumentError("tenant: must not be empty");
  if (collector.empty() || collector.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("collector: expected host:port, got '", collector, "'"));
  }
  if (transport_security != "tls" && transport_security != "insecure") {
    return absl::InvalidArgumentError(absl::StrCat(
        "transport_security: expected tls or insecure, got '", transport_security, "'"));
  }
  if (transport_security == "insecure" && !collector.starts_with("127.") &&
      !collector.starts_with("localhost:") && !collector.starts_with("[::1]:")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transport_security: insecure is allowed only with a loopback collector (127.x, "
        "localhost, [::1]), not '",
        collector, "'"));
  }
  if (queue_max_alerts < 1 || queue_max_bytes < 4096) {
    return absl::InvalidArgumentError("queue: max_alerts >= 1 and max_bytes >= 4096 required");
  }
  if (spool_max_bytes != 0 && spool_max_bytes < (int64_t{1} << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "spool.max_bytes: must be 0 (profile default) or at least 1MiB, got ", spool_max_bytes));
  }
  const std::pair<const char*, int64_t> sigma_entry_counts[] = {
      {"sigma.scan_cache_entries", sigma_scan_cache_entries},
      {"sigma.candidate_memo_entries", sigma_candidate_memo_entries},
      {"sigma.event_memo_entries", sigma_event_memo_entries}};
  for (const auto& [key, entries] : sigma_entry_counts) {
    if (entries < 0 || entries > 65536) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": must be between 0 and 65536, got ", entries));
    }
  }
  if (spool_drop_alert_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("spool.drop_alert_interval: must be at least 1s");
  }
  if (max_message_bytes < 64 * 1024 || max_message_bytes > (int64_t{1} << 30)) {
    return absl::InvalidArgumentError("max_message_bytes: must be between 64KiB and 1GiB");
  }
  if (network_source && network_interface.empty()) {
    return absl::InvalidArgumentError("sources.network: set network.interface to capture on");
  }
  if (network_snaplen < 64 || network_snaplen > 262144) {
    return absl::InvalidArgumentError("network.snaplen: must be between 64 and 262144");
  }
  if (network_tls_encryption_handling != "default" && network_tls_encryption_handling != "full" &&
      network_tls_encryption_handling != "bypass") {
    return absl::InvalidArgumentError(
        absl::StrCat("network.tls_encryption_handling: expected default, full or bypass, got '",
                     network_tls_encryption_handling, "'"));
  }
  if (connection_interval < absl::Milliseconds(100) || connection_interval > absl::Minutes(1)) {
    return absl::InvalidArgumentError("sources.connections_interval: must be between 100ms and 1m");
  }
  // Shorter than connections_interval is allowed: no slowing down while idle.
  if (connection_idle_interval < absl::Milliseconds(100) ||
      connection_idle_interval > absl::Minutes(1)) {
    return absl::InvalidArgumentError(
        "sources.connections_idle_interval: must be between 100ms and 1m");
  }
  if (heartbeat_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("heartbeat_interval: must be at least 1s");
  }
  if (reconnect_initial_backoff <= absl::ZeroDuration() ||
      reconnect_max_backoff < reconnect_initial_backoff) {
    return absl::InvalidArgumentError("reconnect: initial_backoff must be > 0 and <= max_backoff");
  }
  if (reconnect_ack_timeout < absl::Seconds(1) || reconnect_keepalive_timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError("reconnect: ack_timeout and keepalive_timeout must be >= 1s");
  }
  // The collector answers pings more frequent than every 10 s with GOAWAY (too many pings).
  if (reconnect_keepalive_interval < absl::Seconds(10)) {
    return absl::InvalidArgumentError("reconnect.keepalive_interval: must be at least 10s");
  }
  return absl::OkStatus();
}

}  // namespace otasuke::agent
