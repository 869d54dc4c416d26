#pragma once
// The collector's configuration: one descriptor table (kConfigKeys in config.cc) drives the YAML
// file, the command-line flags and --help, so they cannot drift apart. Flags override the file.
// The file is read by the loader the agent uses too (common/config_table.h), which reports
// every error with file:line:column, Falco style, instead of stopping at the first.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/incident/grouper_chain.h"

namespace otasuke::collector {

struct CollectorConfig {
  std::string listen = "127.0.0.1:7443";
  std::string data_dir;  // see DefaultDataDir()
  std::string port_file;
  std::string log_level = "info";
  int64_t max_message_bytes = 4 << 20;
  absl::Duration incident_window = absl::Hours(1);
  // Entity kinds alerts are grouped by, in precedence order (docs/INCIDENTS.md).
  std::string incidents_group_by = std::string(kDefaultGroupBy);
  std::string webhook_url;
  std::string webhook_secret_file;
  int64_t webhook_max_attempts = 5;
  absl::Duration webhook_initial_backoff = absl::Seconds(2);
  absl::Duration webhook_max_backoff = absl::Minutes(5);
  absl::Duration webhook_timeout = absl::Seconds(10);
  // Further channels (collector/app/notification_channels.cc); empty: channel off.
  std::string slack_url;
  std::string line_to;
  std::string line_url = "https://api.line.me/v2/bot/message/push";
  std::string line_token_file;
  std::string email_to;
  std::string email_smtp_url;
  std::string email_from;
  std::string email_username;
  std::string email_password_file;
  int64_t store_max_batch = 256;
  int64_t store_read_ahead = 8;  // AgentServiceOptions::read_ahead_writes
  absl::Duration store_busy_timeout = absl::Seconds(5);
  std::string store_synchronous = "full";  // "full" or "normal" (docs/COLLECTOR.md)
  int64_t worker_threads = 2;
  // "tls" (mTLS for agents, TLS + tokens for otasukectl) or "insecure" (loopback demo only).
  std::string transport_security = "tls";
  // Provided PKI files; empty: generated at first start in <data_dir>/pki/.
  std::string tls_ca_cert;
  std::string tls_ca_key;
  std::string tls_server_cert;
  std::string tls_server_key;
  std::string tls_server_names;  // comma-separated extra DNS names / IPs for the server cert
  absl::Duration tls_agent_cert_validity = absl::Hours(24 * 365);
  // Started as root, the collector becomes this user once listening (required as root).
  std::string run_as_user;
  // "real", or "manual" for scenario tests: time stands still until an admin moves it
  // (TestClockService). Only with transport_security insecure (loopback).
  std::string clock = "real";
  std::string clock_start;  // manual clock's first time (RFC 3339); empty: the real time
  int64_t limits_alerts_per_second = 200;     // per agent
  int64_t limits_bytes_per_second = 1 << 20;  // per agent
  absl::Duration limits_burst = absl::Seconds(10);
  int64_t limits_max_streams = 1000;
  // A stream must say Hello within this time, and one peer address may hold at most this many
  // streams that have not said it yet (docs/SECURITY.md, "Streams").
  absl::Duration limits_hello_timeout = absl::Seconds(10);
  int64_t limits_max_unauthenticated_per_address = 32;
  int64_t limits_max_alerts_per_batch = 1000;
};

// $STATE_DIRECTORY (first entry, as systemd sets it) or /var/lib/otasuke-collector.
std::string DefaultDataDir();

// Parses YAML text; `name` is used in error messages ("collector.yaml:3:5: ...").
absl::Status ApplyConfigYaml(const std::string& text, const std::string& name,
                             CollectorConfig& config);
absl::Status ApplyConfigFile(const std::string& path, CollectorConfig& config);

// Reads argv as the agent reads its own (config::LoadFileThenFlags): --config FILE first, then
// every setting given as a flag on top. Sets *help when --help was given (the caller prints
// CollectorHelp()); the file is then not read.
absl::StatusOr<CollectorConfig> LoadCollectorConfig(int argc, const char* const* argv, bool* help);
// The manual clock's first time: clock_start, or `otherwise` when it is empty.
absl::StatusOr<absl::Time> ManualClockStart(const CollectorConfig& config, absl::Time otherwise);
// Checks the merged values (ranges, URL scheme, log level).
absl::Status ValidateConfig(const CollectorConfig& config);
std::string CollectorHelp();

}  // namespace otasuke::collector
