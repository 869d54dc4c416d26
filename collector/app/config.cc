#include "collector/app/config.h"

#include <algorithm>
#include <cstdlib>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/server/credentials.h"
#include "common/config_table.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

using Member = std::variant<std::string CollectorConfig::*, int64_t CollectorConfig::*,
                            absl::Duration CollectorConfig::*>;

// A setting: its YAML path (dotted: "webhook.url"; the flag is --webhook-url), what the flag
// takes, its help, and the member it sets. constexpr, so the table has no instance; Fields()
// binds it to one for the shared loader (common/config_table.h).
struct ConfigKey {
  std::string_view path;
  std::string_view value_name;
  std::string_view help;
  Member member;
};

// Every setting, once. Keep in the order of docs/COLLECTOR.md.
constexpr ConfigKey kConfigKeys[] = {
    {.path = "listen",
     .value_name = "HOST:PORT",
     .help = "gRPC address for agents and otasukectl; port 0 picks a free port",
     .member = &CollectorConfig::listen},
    {.path = "data_dir",
     .value_name = "DIR",
     .help = "where collector.db lives; $STATE_DIRECTORY when systemd sets it",
     .member = &CollectorConfig::data_dir},
    {.path = "port_file",
     .value_name = "FILE",
     .help = "write the bound port here once listening (for tests and the demo)",
     .member = &CollectorConfig::port_file},
    {.path = "log_level",
     .value_name = "LEVEL",
     .help = "debug, info, warn or error",
     .member = &CollectorConfig::log_level},
    {.path = "max_message_bytes",
     .value_name = "N",
     .help = "largest gRPC message accepted or sent (64 KiB .. 64 MiB)",
     .member = &CollectorConfig::max_message_bytes},
    {.path = "incident_window",
     .value_name = "DURATION",
     .help = "an alert joins an open incident of its tenant+host that shares an entity with it "
             "while it comes within this of the incident's last alert",
     .member = &CollectorConfig::incident_window},
    {.path = "incidents.group_by",
     .value_name = "KINDS",
     .help = "entities alerts are grouped by, in precedence order (community_id, process_tree, "
             "remote_ip, rule; rule is always last if not named); see docs/INCIDENTS.md",
     .member = &CollectorConfig::incidents_group_by},
    {.path = "webhook.url",
     .value_name = "URL",
     .help = "POST each new incident as JSON here (empty: no notifications)",
     .member = &CollectorConfig::webhook_url},
    {.path = "webhook.secret_file",
     .value_name = "FILE",
     .help = "file holding the HMAC-SHA256 secret for the X-Otasuke-Signature header",
     .member = &CollectorConfig::webhook_secret_file},
    {.path = "webhook.max_attempts",
     .value_name = "N",
     .help = "attempts before a notification is marked failed (every channel)",
     .member = &CollectorConfig::webhook_max_attempts},
    {.path = "webhook.initial_backoff",
     .value_name = "DURATION",
     .help = "delay before the first retry; doubles each time",
     .member = &CollectorConfig::webhook_initial_backoff},
    {.path = "webhook.max_backoff",
     .value_name = "DURATION",
     .help = "longest delay between retries",
     .member = &CollectorConfig::webhook_max_backoff},
    {.path = "webhook.timeout",
     .value_name = "DURATION",
     .help = "time limit of one delivery attempt (every channel)",
     .member = &CollectorConfig::webhook_timeout},
    {.path = "slack.url",
     .value_name = "URL",
     .help = "Slack-compatible incoming webhook: post each new incident's SME message here",
     .member = &CollectorConfig::slack_url},
    {.path = "line.to",
     .value_name = "ID",
     .help = "LINE user, group or room id to push each new incident's SME message to",
     .member = &CollectorConfig::line_to},
    {.path = "line.url",
     .value_name = "URL",
     .help = "LINE Messaging API push endpoint (or a compatible one)",
     .member = &CollectorConfig::line_url},
    {.path = "line.token_file",
     .value_name = "FILE",
     .help = "file holding the LINE channel access token (required with line.to)",
     .member = &CollectorConfig::line_token_file},
    {.path = "email.to",
     .value_name = "ADDRESSES",
     .help = "comma-separated recipients of each new incident's SME message",
     .member = &CollectorConfig::email_to},
    {.path = "email.smtp_url",
     .value_name = "URL",
     .help = "smtp://host:587 (STARTTLS when offered) or smtps://host:465",
     .member = &CollectorConfig::email_smtp_url},
    {.path = "email.from",
     .value_name = "ADDRESS",
     .help = "sender address of notification mail",
     .member = &CollectorConfig::email_from},
    {.path = "email.username",
     .value_name = "NAME",
     .help = "SMTP AUTH user (with email.password_file)",
     .member = &CollectorConfig::email_username},
    {.path = "email.password_file",
     .value_name = "FILE",
     .help = "file holding the SMTP AUTH password",
     .member = &CollectorConfig::email_password_file},
    {.path = "store.max_batch",
     .value_name = "N",
     .help = "writes per SQLite transaction",
     .member = &CollectorConfig::store_max_batch},
    {.path = "store.read_ahead",
     .value_name = "N",
     .help = "messages of one agent stream queued to the store before the first commits (1: none)",
     .member = &CollectorConfig::store_read_ahead},
    {.path = "store.busy_timeout",
     .value_name = "DURATION",
     .help = "how long SQLite waits for a lock",
     .member = &CollectorConfig::store_busy_timeout},
    {.path = "store.synchronous",
     .value_name = "full|normal",
     .help = "full: an acknowledged alert survives a power cut (the log is synced at every "
             "commit); normal: it survives a crash of the collector only",
     .member = &CollectorConfig::store_synchronous},
    {.path = "worker_threads",
     .value_name = "N",
     .help = "threads for console queries and rule-set look-ups",
     .member = &CollectorConfig::worker_threads},
    {.path = "transport_security",
     .value_name = "MODE",
     .help = "tls (agents need an enrolled client certificate) or insecure (plaintext, "
             "loopback only, for the demo)",
     .member = &CollectorConfig::transport_security},
    {.path = "tls.ca_cert",
     .value_name = "FILE",
     .help = "CA certificate that signs agent certificates (with ca_key, server_cert, "
             "server_key; empty: generated in <data_dir>/pki/)",
     .member = &CollectorConfig::tls_ca_cert},
    {.path = "tls.ca_key",
     .value_name = "FILE",
     .help = "the CA's private key (PEM)",
     .member = &CollectorConfig::tls_ca_key},
    {.path = "tls.server_cert",
     .value_name = "FILE",
     .help = "server certificate signed by the CA, with the name otasuke-collector",
     .member = &CollectorConfig::tls_server_cert},
    {.path = "tls.server_key",
     .value_name = "FILE",
     .help = "the server certificate's private key (PEM)",
     .member = &CollectorConfig::tls_server_key},
    {.path = "tls.server_names",
     .value_name = "NAMES",
     .help = "comma-separated extra host names and IPs for a generated server certificate",
     .member = &CollectorConfig::tls_server_names},
    {.path = "tls.agent_cert_validity",
     .value_name = "DURATION",
     .help = "lifetime of the client certificates signed at enrollment",
     .member = &CollectorConfig::tls_agent_cert_validity},
    {.path = "run_as_user",
     .value_name = "USER",
     .help = "started as root, become USER once listening (required as root; 'root' stays "
             "root, for tests only)",
     .member = &CollectorConfig::run_as_user},
    {.path = "clock",
     .value_name = "real|manual",
     .help = "manual is for scenario tests only: time stands still until an admin token moves "
             "it (TestClockService); allowed only with transport_security insecure",
     .member = &CollectorConfig::clock},
    {.path = "clock_start",
     .value_name = "TIME",
     .help = "with clock: manual, the time it starts at (RFC 3339, e.g. "
             "2026-10-05T10:00:00+09:00); empty: the real time at start",
     .member = &CollectorConfig::clock_start},
    {.path = "limits.alerts_per_second",
     .value_name = "N",
     .help = "per agent; above it the collector pauses reading the agent's stream",
     .member = &CollectorConfig::limits_alerts_per_second},
    {.path = "limits.bytes_per_second",
     .value_name = "N",
     .help = "per agent, all messages after Hello; above it reading pauses",
     .member = &CollectorConfig::limits_bytes_per_second},
    {.path = "limits.burst",
     .value_name = "DURATION",
     .help = "how many seconds of its rate an agent may send at once",
     .member = &CollectorConfig::limits_burst},
    {.path = "limits.max_streams",
     .value_name = "N",
     .help = "concurrent agent streams, all agents together; more are refused",
     .member = &CollectorConfig::limits_max_streams},
    {.path = "limits.hello_timeout",
     .value_name = "DURATION",
     .help = "a stream that has not said Hello this long after opening is closed "
             "(DEADLINE_EXCEEDED) and counted",
     .member = &CollectorConfig::limits_hello_timeout},
    {.path = "limits.max_unauthenticated_per_address",
     .value_name = "N",
     .help = "streams from one peer address (an IPv6 peer's /64) that have not said Hello yet; "
             "more are refused",
     .member = &CollectorConfig::limits_max_unauthenticated_per_address},
    {.path = "limits.max_alerts_per_batch",
     .value_name = "N",
     .help = "alerts in one AlertBatch; a larger batch closes the stream",
     .member = &CollectorConfig::limits_max_alerts_per_batch},
};

// The table bound to one config: what the shared loader, the flags and the help read.
std::vector<config::Field> Fields(CollectorConfig& config) {
  std::vector<config::Field> fields;
  fields.reserve(std::size(kConfigKeys));
  for (const ConfigKey& key : kConfigKeys) {
    fields.push_back(
        {.key = key.path,
         .help = key.help,
         .value = std::visit([&](auto member) -> config::Value { return &(config.*member); },
                             key.member),
         .value_name = key.value_name});
  }
  return fields;
}

}  // namespace

std::string DefaultDataDir() {
  const char* state = std::getenv("STATE_DIRECTORY");
  if (state != nullptr && state[0] != '\0') {
    std::string dirs(state);
    return dirs.substr(0, dirs.find(':'));
  }
  return "/var/lib/otasuke-collector";
}

absl::Status ApplyConfigYaml(const std::string& text, const std::string& name,
                             CollectorConfig& config) {
  return config::LoadYamlText(Fields(config), text, name);
}

absl::Status ApplyConfigFile(const std::string& path, CollectorConfig& config) {
  return config::LoadYamlFile(Fields(config), path);
}

absl::StatusOr<absl::Time> ManualClockStart(const CollectorConfig& config, absl::Time otherwise) {
  if (config.clock_start.empty()) return otherwise;
  absl::Time start;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, config.clock_start, &start, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("clock_start: '", config.clock_start,
                                                   "' is not an RFC 3339 time (", error, ")"));
  }
  return start;
}

absl::Status ValidateConfig(const CollectorConfig& c) {
  std::vector<std::string> errors;
  size_t colon = c.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(c.listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    errors.push_back(absl::StrCat("listen: '", c.listen, "' is not HOST:PORT (port 0..65535)"));
  }
  if (c.data_dir.empty()) errors.push_back("data_dir: empty");
  LogLevel level;
  if (!ParseLogLevel(c.log_level, &level)) {
    errors.push_back(
        absl::StrCat("log_level: '", c.log_level, "' is not debug, info, warn or error"));
  }
  if (c.max_message_bytes < (64 << 10) || c.max_message_bytes > (64 << 20)) {
    errors.push_back(
        absl::StrCat("max_message_bytes: ", c.max_message_bytes, " is outside 65536 .. 67108864"));
  }
  if (c.incident_window <= absl::ZeroDuration()) {
    errors.push_back("incident_window: must be positive");
  }
  if (absl::StatusOr<std::unique_ptr<GrouperChain>> chain =
          GrouperChain::Create(c.incidents_group_by, c.incident_window);
      !chain.ok()) {
    errors.push_back(absl::StrCat("incidents.group_by: ", chain.status().message()));
  }
  if (!c.webhook_url.empty() && !absl::StartsWith(c.webhook_url, "http://") &&
      !absl::StartsWith(c.webhook_url, "https://")) {
    errors.push_back(
        absl::StrCat("webhook.url: '", c.webhook_url, "' must start with http:// or https://"));
  }
  if (c.webhook_max_attempts < 1 || c.webhook_max_attempts > 100) {
    errors.push_back("webhook.max_attempts: must be 1 .. 100");
  }
  if (c.webhook_initial_backoff <= absl::ZeroDuration() ||
      c.webhook_max_backoff < c.webhook_initial_backoff) {
    errors.push_back("webhook backoff: initial must be positive and at most max_backoff");
  }
  if (c.webhook_timeout <= absl::ZeroDuration()) errors.push_back("webhook.timeout: not positive");
  if (c.store_synchronous != "full" && c.store_synchronous != "normal") {
    errors.push_back(
        absl::StrCat("store.synchronous: '", c.store_synchronous, "' is not full or normal"));
  }
  if (c.store_max_batch < 1 || c.store_max_batch > 100000) {
    errors.push_back("store.max_batch: must be 1 .. 100000");
  }
  if (c.store_read_ahead < 1 || c.store_read_ahead > 64) {
    errors.push_back("store.read_ahead: must be 1 .. 64");
  }
  if (c.worker_threads < 1 || c.worker_threads > 64) {
    errors.push_back("worker_threads: must be 1 .. 64");
  }
  if (c.transport_security != "tls" && c.transport_security != "insecure") {
    errors.push_back(
        absl::StrCat("transport_security: '", c.transport_security, "' is not tls or insecure"));
  }
  if (c.transport_security == "insecure" && !IsLoopbackAddress(c.listen)) {
    errors.push_back(absl::StrCat(
        "transport_security: insecure is allowed only on a loopback listen address (127.x, "
        "localhost, [::1]), and listen is '",
        c.listen, "'"));
  }
  if (c.clock != "real" && c.clock != "manual") {
    errors.push_back(absl::StrCat("clock: '", c.clock, "' is not real or manual"));
  }
  if (c.clock == "manual" && c.transport_security != "insecure") {
    errors.push_back(
        "clock: manual is a test mode, allowed only with transport_security insecure (loopback)");
  }
  if (!c.clock_start.empty()) {
    if (c.clock != "manual") errors.push_back("clock_start: only with clock: manual");
    if (absl::StatusOr<absl::Time> start = ManualClockStart(c, absl::Now()); !start.ok()) {
      errors.push_back(std::string(start.status().message()));
    }
  }
  if (c.tls_agent_cert_validity < absl::Hours(1)) {
    errors.push_back("tls.agent_cert_validity: must be at least 1h");
  }
  if (c.limits_alerts_per_second < 1 || c.limits_bytes_per_second < 1024) {
    errors.push_back("limits: alerts_per_second must be >= 1 and bytes_per_second >= 1024");
  }
  if (c.limits_burst < absl::Seconds(1)) errors.push_back("limits.burst: must be at least 1s");
  if (c.limits_max_streams < 1 || c.limits_max_streams > 1000000) {
    errors.push_back("limits.max_streams: must be 1 .. 1000000");
  }
  if (c.limits_max_alerts_per_batch < 1 || c.limits_max_alerts_per_batch > 100000) {
    errors.push_back("limits.max_alerts_per_batch: must be 1 .. 100000");
  }
  if (c.limits_hello_timeout < absl::Milliseconds(100) || c.limits_hello_timeout > absl::Hours(1)) {
    errors.push_back("limits.hello_timeout: must be 100ms .. 1h");
  }
  if (c.limits_max_unauthenticated_per_address < 1 ||
      c.limits_max_unauthenticated_per_address > 1000000) {
    errors.push_back("limits.max_unauthenticated_per_address: must be 1 .. 1000000");
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid configuration:\n  ", absl::StrJoin(errors, "\n  ")));
  }
  return absl::OkStatus();
}

absl::StatusOr<CollectorConfig> LoadCollectorConfig(int argc, const char* const* argv, bool* help) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  *help = std::find(args.begin(), args.end(), "--help") != args.end();
  CollectorConfig config;
  if (*help) return config;  // even with a broken file: the help is how to fix it
  std::string config_path;
  ASSIGN_OR_RETURN(std::vector<std::string> rest,
                   config::LoadFileThenFlags(Fields(config), args, &config_path));
  if (!rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(rest[0].starts_with("--") ? "unknown flag '" : "unexpected argument '",
                     rest[0], "' (flags only; see --help)"));
  }
  if (config.data_dir.empty()) config.data_dir = DefaultDataDir();
  RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

std::string CollectorHelp() {
  CollectorConfig defaults;
  defaults.data_dir = DefaultDataDir();
  return absl::StrCat(
      "usage: otasuke-collector [--config FILE] [flags]\n\n"
      "Receives alerts from Otasuke agents over gRPC, stores them in SQLite, groups them into\n"
      "incidents and notifies the helper team. Every setting of the YAML configuration file can\n"
      "be given as a flag, which wins over the file:\n\n"
      "  --config FILE\n      YAML configuration file (see docs/COLLECTOR.md)\n",
      config::Describe(Fields(defaults)),
      "  --help\n      show this help\n  --version\n      print the version and exit\n\n"
      "Example configuration file:\n"
      "  listen: 127.0.0.1:7443\n"
      "  data_dir: /var/lib/otasuke-collector\n"
      "  incident_window: 1h\n"
      "  webhook:\n"
      "    url: https://helpdesk.example/hooks/otasuke\n"
      "    secret_file: /etc/otasuke/webhook.secret\n"
      "    max_attempts: 5\n");
}

}  // namespace otasuke::collector
