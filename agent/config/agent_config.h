#pragma once
// The agent's configuration: defaults, the documented YAML file (installers/agent.yaml) and
// flags, all from one field table (common/config_table.h).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config_table.h"

namespace otasuke::agent {

struct AgentConfig {
  std::string tenant = "default";
  std::string agent_id;  // empty: generated once and kept in the state directory
  std::string hostname;  // empty: the system host name
  std::string profile = "endpoint";
  std::string collector = "127.0.0.1:7443";
  // "tls": mTLS with the identity from `otasuke-agent enroll`; "insecure": plaintext, loopback
  // collector only (the demo).
  std::string transport_security = "tls";
  std::string state_dir = "/var/lib/otasuke-agent";
  // Account the agent becomes once its sources are open; "root" keeps root (not recommended).
  std::string run_as_user = "otasuke";
  std::vector<std::string> rules = {"/etc/otasuke/rules"};
  bool rules_strict = true;
  // Slots per prefilter field of each Sigma detector thread's scan cache (docs/SIGMA.md).
  int64_t sigma_scan_cache_entries = 256;
  // Combinations of cached values whose candidate rules each Sigma detector thread keeps
  // (docs/SIGMA.md, engine step 8); 0 turns the memo off. Off too when the scan cache is.
  int64_t sigma_candidate_memo_entries = 512;
  // Whole events (their prefilter fields' values) whose answer each Sigma detector thread
  // keeps (docs/SIGMA.md, engine step 10); 0 turns the memo off. Off too when the scan cache is.
  int64_t sigma_event_memo_entries = 512;
  std::string log_level = "info";
  absl::Duration heartbeat_interval = absl::Seconds(30);
  absl::Duration reconnect_initial_backoff = absl::Seconds(1);
  absl::Duration reconnect_max_backoff = absl::Seconds(60);
  // A silently dead link: alerts sent and none acknowledged for this long, or a keepalive ping
  // unanswered (docs/DELIVERY.md).
  absl::Duration reconnect_ack_timeout = absl::Seconds(30);
  absl::Duration reconnect_keepalive_interval = absl::Seconds(30);
  absl::Duration reconnect_keepalive_timeout = absl::Seconds(10);
  int64_t queue_max_alerts = 10000;
  int64_t queue_max_bytes = 32 << 20;
  int64_t max_message_bytes = 4 << 20;
  // Disk budget of the alert spool; 0: by profile (SpoolBudgetBytes()).
  int64_t spool_max_bytes = 0;
  absl::Duration spool_drop_alert_interval = absl::Minutes(1);
  std::string events_file;  // replayed once through the live pipeline at start
  bool process_source = true;
  bool network_source = false;
  bool connection_source = true;
  absl::Duration connection_interval = absl::Milliseconds(500);
  // The longest wait between two polls while no connection counter moves (idle_poll_interval.h).
  absl::Duration connection_idle_interval = absl::Seconds(4);
  std::string network_interface;
  std::string network_bpf;
  int64_t network_snaplen = 65535;
  std::string network_vars;
  std::string network_classification;
  // Suricata's app-layer.protocols.tls.encryption-handling: default | full | bypass.
  std::string network_tls_encryption_handling = "default";

  // The field table over this instance (pointers into it).
  std::vector<config::Field> Fields();
  // spool.max_bytes, or the profile's default: 64 MiB on a gateway (router), 256 MiB on an
  // endpoint (PC).
  int64_t SpoolBudgetBytes() const;
  // Checks cross-field constraints after loading.
  absl::Status Validate() const;
};

}  // namespace otasuke::agent
