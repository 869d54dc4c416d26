#include "collector/app/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <span>
#include <sstream>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/server/credentials.h"
#include "common/cli.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace otasuke::collector {
namespace {

using Member = std::variant<std::string CollectorConfig::*, int64_t CollectorConfig::*,
                            absl::Duration CollectorConfig::*>;

struct ConfigKey {
  std::string_view path;  // YAML path, dotted: "webhook.url"
  std::string_view flag;  // command-line flag without dashes
  std::string_view value_name;
  std::string_view help;
  Member member;
};

// Every setting, once. Keep in the order of docs/COLLECTOR.md.
constexpr ConfigKey kConfigKeys[] = {
    {.path = "listen",
     .flag = "listen",
     .value_name = "HOST:PORT",
     .help = "gRPC address for agents and otasukectl; port 0 picks a free port",
     .member = &CollectorConfig::listen},
    {.path = "data_dir",
     .flag = "data-dir",
     .value_name = "DIR",
     .help = "where collector.db lives; $STATE_DIRECTORY when systemd sets it",
     .member = &CollectorConfig::data_dir},
    {.path = "port_file",
     .flag = "port-file",
     .value_name = "FILE",
     .help = "write the bound port here once listening (for tests and the demo)",
     .member = &CollectorConfig::port_file},
    {.path = "log_level",
     .flag = "log-level",
     .value_name = "LEVEL",
     .help = "debug, info, warn or error",
     .member = &CollectorConfig::log_level},
    {.path = "max_message_bytes",
     .flag = "max-message-bytes",
     .value_name = "N",
     .help = "largest gRPC message accepted or sent (64 KiB .. 64 MiB)",
     .member = &CollectorConfig::max_message_bytes},
    {.path = "incident_window",
     .flag = "incident-window",
     .value_name = "DURATION",
     .help = "an alert joins an open incident of its tenant+host that shares an entity with it "
             "while it comes within this of the incident's last alert",
     .member = &CollectorConfig::incident_window},
    {.path = "incidents.group_by",
     .flag = "incidents-group-by",
     .value_name = "KINDS",
     .help = "entities alerts are grouped by, in precedence order (community_id, process_tree, "
             "remote_ip, rule; rule is always last if not named); see docs/INCIDENTS.md",
     .member = &CollectorConfig::incidents_group_by},
    {.path = "webhook.url",
     .flag = "webhook-url",
     .value_name = "URL",
     .help = "POST each new incident as JSON here (empty: no notifications)",
     .member = &CollectorConfig::webhook_url},
    {.path = "webhook.secret_file",
     .flag = "webhook-secret-file",
     .value_name = "FILE",
     .help = "file holding the HMAC-SHA256 secret for the X-Otasuke-Signature header",
     .member = &CollectorConfig::webhook_secret_file},
    {.path = "webhook.max_attempts",
     .flag = "webhook-max-attempts",
     .value_name = "N",
     .help = "attempts before a notification is marked failed (every channel)",
     .member = &CollectorConfig::webhook_max_attempts},
    {.path = "webhook.initial_backoff",
     .flag = "webhook-initial-backoff",
     .value_name = "DURATION",
     .help = "delay before the first retry; doubles each time",
     .member = &CollectorConfig::webhook_initial_backoff},
    {.path = "webhook.max_backoff",
     .flag = "webhook-max-backoff",
     .value_name = "DURATION",
     .help = "longest delay between retries",
     .member = &CollectorConfig::webhook_max_backoff},
    {.path = "webhook.timeout",
     .flag = "webhook-timeout",
     .value_name = "DURATION",
     .help = "time limit of one delivery attempt (every channel)",
     .member = &CollectorConfig::webhook_timeout},
    {.path = "slack.url",
     .flag = "slack-url",
     .value_name = "URL",
     .help = "Slack-compatible incoming webhook: post each new incident's SME message here",
     .member = &CollectorConfig::slack_url},
    {.path = "line.to",
     .flag = "line-to",
     .value_name = "ID",
     .help = "LINE user, group or room id to push each new incident's SME message to",
     .member = &CollectorConfig::line_to},
    {.path = "line.url",
     .flag = "line-url",
     .value_name = "URL",
     .help = "LINE Messaging API push endpoint (or a compatible one)",
     .member = &CollectorConfig::line_url},
    {.path = "line.token_file",
     .flag = "line-token-file",
     .value_name = "FILE",
     .help = "file holding the LINE channel access token (required with line.to)",
     .member = &CollectorConfig::line_token_file},
    {.path = "email.to",
     .flag = "email-to",
     .value_name = "ADDRESSES",
     .help = "comma-separated recipients of each new incident's SME message",
     .member = &CollectorConfig::email_to},
    {.path = "email.smtp_url",
     .flag = "email-smtp-url",
     .value_name = "URL",
     .help = "smtp://host:587 (STARTTLS when offered) or smtps://host:465",
     .member = &CollectorConfig::email_smtp_url},
    {.path = "email.from",
     .flag = "email-from",
     .value_name = "ADDRESS",
     .help = "sender address of notification mail",
     .member = &CollectorConfig::email_from},
    {.path = "email.username",
     .flag = "email-username",
     .value_name = "NAME",
     .help = "SMTP AUTH user (with email.password_file)",
     .member = &CollectorConfig::email_username},
    {.path = "email.password_file",
     .flag = "email-password-file",
     .value_name = "FILE",
     .help = "file holding the SMTP AUTH password",
     .member = &CollectorConfig::email_password_file},
    {.path = "store.max_batch",
     .flag = "store-max-batch",
     .value_name = "N",
     .help = "writes per SQLite transaction",
     .member = &CollectorConfig::store_max_batch},
    {.path = "store.read_ahead",
     .flag = "store-read-ahead",
     .value_name = "N",
     .help = "messages of one agent stream queued to the store before the first commits (1: none)",
     .member = &CollectorConfig::store_read_ahead},
    {.path = "store.busy_timeout",
     .flag = "store-busy-timeout",
     .value_name = "DURATION",
     .help = "how long SQLite waits for a lock",
     .member = &CollectorConfig::store_busy_timeout},
    {.path = "store.synchronous",
     .flag = "store-synchronous",
     .value_name = "full|normal",
     .help = "full: an acknowledged alert survives a power cut (the log is synced at every "
             "commit); normal: it survives a crash of the collector only",
     .member = &CollectorConfig::store_synchronous},
    {.path = "worker_threads",
     .flag = "worker-threads",
     .value_name = "N",
     .help = "threads for console queries and rule-set look-ups",
     .member = &CollectorConfig::worker_threads},
    {.path = "transport_security",
     .flag = "transport-security",
     .value_name = "MODE",
     .help = "tls (agents need an enrolled client certificate) or insecure (plaintext, "
             "loopback only, for the demo)",
     .member = &CollectorConfig::transport_security},
    {.path = "tls.ca_cert",
     .flag = "tls-ca-cert",
     .value_name = "FILE",
     .help = "CA certificate that signs agent certificates (with ca_key, server_cert, "
             "server_key; empty: generated in <data_dir>/pki/)",
     .member = &CollectorConfig::tls_ca_cert},
    {.path = "tls.ca_key",
     .flag = "tls-ca-key",
     .value_name = "FILE",
     .help = "the CA's private key (PEM)",
     .member = &CollectorConfig::tls_ca_key},
    {.path = "tls.server_cert",
     .flag = "tls-server-cert",
     .value_name = "FILE",
     .help = "server certificate signed by the CA, with the name otasuke-collector",
     .member = &CollectorConfig::tls_server_cert},
    {.path = "tls.server_key",
     .flag = "tls-server-key",
     .value_name = "FILE",
     .help = "the server certificate's private key (PEM)",
     .member = &CollectorConfig::tls_server_key},
    {.path = "tls.server_names",
     .flag = "tls-server-names",
     .value_name = "NAMES",
     .help = "comma-separated extra host names and IPs for a generated server certificate",
     .member = &CollectorConfig::tls_server_names},
    {.path = "tls.agent_cert_validity",
     .flag = "tls-agent-cert-validity",
     .value_name = "DURATION",
     .help = "lifetime of the client certificates signed at enrollment",
     .member = &CollectorConfig::tls_agent_cert_validity},
    {.path = "run_as_user",
     .flag = "run-as-user",
     .value_name = "USER",
     .help = "started as root, become USER once listening (required as root; 'root' stays "
             "root, for tests only)",
     .member = &CollectorConfig::run_as_user},
    {.path = "clock",
     .flag = "clock",
     .value_name = "real|manual",
     .help = "manual is for scenario tests only: time stands still until an admin token moves "
             "it (TestClockService); allowed only with transport_security insecure",
     .member = &CollectorConfig::clock},
    {.path = "clock_start",
     .flag = "clock-start",
     .value_name = "TIME",
     .help = "with clock: manual, the time it starts at (RFC 3339, e.g. "
             "2026-10-05T10:00:00+09:00); empty: the real time at start",
     .member = &CollectorConfig::clock_start},
    {.path = "limits.alerts_per_second",
     .flag = "limits-alerts-per-second",
     .value_name = "N",
     .help = "per agent; above it the collector pauses reading the agent's stream",
     .member = &CollectorConfig::limits_alerts_per_second},
    {.path = "limits.bytes_per_second",
     .flag = "limits-bytes-per-second",
     .value_name = "N",
     .help = "per agent, all messages after Hello; above it reading pauses",
     .member = &CollectorConfig::limits_bytes_per_second},
    {.path = "limits.burst",
     .flag = "limits-burst",
     .value_name = "DURATION",
     .help = "how many seconds of its rate an agent may send at once",
     .member = &CollectorConfig::limits_burst},
    {.path = "limits.max_streams",
     .flag = "limits-max-streams",
     .value_name = "N",
     .help = "concurrent agent streams, all agents together; more are refused",
     .member = &CollectorConfig::limits_max_streams},
    {.path = "limits.hello_timeout",
     .flag = "limits-hello-timeout",
     .value_name = "DURATION",
     .help = "a stream that has not said Hello this long after opening is closed "
             "(DEADLINE_EXCEEDED) and counted",
     .member = &CollectorConfig::limits_hello_timeout},
    {.path = "limits.max_unauthenticated_per_address",
     .flag = "limits-max-unauthenticated-per-address",
     .value_name = "N",
     .help = "streams from one peer address (an IPv6 peer's /64) that have not said Hello yet; "
             "more are refused",
     .member = &CollectorConfig::limits_max_unauthenticated_per_address},
    {.path = "limits.max_alerts_per_batch",
     .flag = "limits-max-alerts-per-batch",
     .value_name = "N",
     .help = "alerts in one AlertBatch; a larger batch closes the stream",
     .member = &CollectorConfig::limits_max_alerts_per_batch},
};

std::string DefaultText(const ConfigKey& key) {
  CollectorConfig defaults;
  if (key.path == "data_dir") return DefaultDataDir();
  struct Visitor {
    const CollectorConfig& c;
    std::string operator()(std::string CollectorConfig::*m) const { return c.*m; }
    std::string operator()(int64_t CollectorConfig::*m) const { return absl::StrCat(c.*m); }
    std::string operator()(absl::Duration CollectorConfig::*m) const {
      return absl::FormatDuration(c.*m);
    }
  };
  std::string text = std::visit(Visitor{defaults}, key.member);
  return text.empty() ? "none" : text;
}

// Sets the member named by `key` from text. `where` prefixes errors.
absl::Status Assign(const ConfigKey& key, const std::string& value, const std::string& where,
                    CollectorConfig& config) {
  struct Visitor {
    const std::string& value;
    const std::string& where;
    CollectorConfig& c;
    absl::Status operator()(std::string CollectorConfig::*m) const {
      c.*m = value;
      return absl::OkStatus();
    }
    absl::Status operator()(int64_t CollectorConfig::*m) const {
      if (!absl::SimpleAtoi(value, &(c.*m))) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "expected an integer, got '", value, "'"));
      }
      return absl::OkStatus();
    }
    absl::Status operator()(absl::Duration CollectorConfig::*m) const {
      if (!absl::ParseDuration(value, &(c.*m))) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "expected a duration such as 30s, 5m or 1h, got '", value, "'"));
      }
      return absl::OkStatus();
    }
  };
  return std::visit(Visitor{value, where, config}, key.member);
}

const ConfigKey* FindByPath(std::string_view path) {
  for (const ConfigKey& key : kConfigKeys) {
    if (key.path == path) return &key;
  }
  return nullptr;
}

bool IsSection(std::string_view path) {
  for (const ConfigKey& key : kConfigKeys) {
    if (absl::StartsWith(Sv(key.path), absl::StrCat(Sv(path), "."))) return true;
  }
  return false;
}

std::string Where(const std::string& name, const YAML::Mark& mark) {
  return absl::StrCat(name, ":", mark.line + 1, ":", mark.column + 1, ": ");
}

void WalkMap(const YAML::Node& map, const std::string& prefix, const std::string& name,
             CollectorConfig& config, std::vector<std::string>& errors) {
  for (const auto& entry : map) {
    const YAML::Node& key_node = entry.first;
    const YAML::Node& value = entry.second;
    std::string key = key_node.Scalar();
    std::string path = prefix.empty() ? key : absl::StrCat(prefix, ".", key);
    std::string where = Where(name, key_node.Mark());
    if (IsSection(path)) {
      if (!value.IsMap()) {
        errors.push_back(absl::StrCat(where, "'", path, "' must be a mapping of settings"));
      } else {
        WalkMap(value, path, name, config, errors);
      }
      continue;
    }
    const ConfigKey* spec = FindByPath(path);
    if (spec == nullptr) {
      std::vector<std::string> known;
      for (const ConfigKey& k : kConfigKeys) known.emplace_back(k.path);
      errors.push_back(absl::StrCat(where, "unknown setting '", path,
                                    "' (known: ", absl::StrJoin(known, ", "), ")"));
      continue;
    }
    if (!value.IsScalar()) {
      errors.push_back(
          absl::StrCat(Where(name, value.Mark()), "'", path, "' must be a single value"));
      continue;
    }
    absl::Status status =
        Assign(*spec, value.Scalar(), absl::StrCat(Where(name, value.Mark()), path, ": "), config);
    if (!status.ok()) errors.emplace_back(status.message());
  }
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
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(Where(name, e.mark), "malformed YAML: ", e.msg));
  }
  if (root.IsNull()) return absl::OkStatus();  // an empty file: all defaults
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(name, root.Mark()), "the configuration must be a mapping of settings"));
  }
  std::vector<std::string> errors;
  try {
    WalkMap(root, "", name, config, errors);
  } catch (const YAML::Exception& e) {
    errors.push_back(absl::StrCat(Where(name, e.mark), e.msg));
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  return absl::OkStatus();
}

absl::Status ApplyConfigFile(const std::string& path, CollectorConfig& config) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ApplyConfigYaml(text.str(), path, config);
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
  constexpr size_t kKeys = std::size(kConfigKeys);
  std::vector<std::string> values(kKeys);
  std::string config_path;
  *help = false;
  std::vector<cli::FlagSpec> specs;
  specs.push_back(
      {"config", "FILE", "YAML configuration file (see docs/COLLECTOR.md)", &config_path});
  for (size_t i = 0; i < kKeys; ++i) {
    specs.push_back(
        {kConfigKeys[i].flag, kConfigKeys[i].value_name, kConfigKeys[i].help, &values[i]});
  }
  specs.push_back({"help", "", "show flags and configuration keys", help});
  ASSIGN_OR_RETURN(std::vector<std::string> positional, cli::ParseFlags(specs, argc, argv, 1));
  CollectorConfig config;
  if (*help) return config;
  if (!positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", positional[0], "' (flags only; see --help)"));
  }
  if (!config_path.empty()) RETURN_IF_ERROR(ApplyConfigFile(config_path, config));
  for (size_t i = 0; i < kKeys; ++i) {
    if (values[i].empty()) continue;  // not given: keep the file's value or the default
    RETURN_IF_ERROR(Assign(kConfigKeys[i], values[i],
                           absl::StrCat("flag --", Sv(kConfigKeys[i].flag), ": "), config));
  }
  if (config.data_dir.empty()) config.data_dir = DefaultDataDir();
  RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

std::string CollectorHelp() {
  std::string out =
      "usage: otasuke-collector [--config FILE] [flags]\n\n"
      "Receives alerts from Otasuke agents over gRPC, stores them in SQLite, groups them into\n"
      "incidents and notifies the helper team. Flags override the configuration file.\n\n"
      "Flags (configuration key in brackets):\n"
      "  --config FILE\n      YAML configuration file\n";
  for (const ConfigKey& key : kConfigKeys) {
    absl::StrAppend(&out, "  --", Sv(key.flag), " ", Sv(key.value_name), "   [", Sv(key.path),
                    "]\n      ", Sv(key.help), " (default: ", DefaultText(key), ")\n");
  }
  absl::StrAppend(
      &out,
      "  --help\n      show this help\n  --version\n      print the version and exit\n\n"
      "Example configuration file:\n"
      "  listen: 127.0.0.1:7443\n"
      "  data_dir: /var/lib/otasuke-collector\n"
      "  incident_window: 1h\n"
      "  webhook:\n"
      "    url: https://helpdesk.example/hooks/otasuke\n"
      "    secret_file: /etc/otasuke/webhook.secret\n"
      "    max_attempts: 5\n");
  return out;
}

}  // namespace otasuke::collector
