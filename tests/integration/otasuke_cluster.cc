#include "tests/integration/otasuke_cluster.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "tests/testing/paths.h"

namespace otasuke::testing {

OtasukeCluster::OtasukeCluster(bool secure) : secure_(secure) {
  absl::StatusOr<std::unique_ptr<ReservedPort>> reserved = ReservedPort::Reserve();
  if (reserved.ok()) {
    reserved_port_ = *std::move(reserved);
    collector_address_ = "127.0.0.1:" + std::to_string(reserved_port_->port());
  } else {
    reserve_error_ = reserved.status().ToString();  // StartCollector says so
  }
  // The rule matches scripts run from /tmp, so the script lives there, not in dir_.
  char tmpl[] = "/tmp/otasuke-it-XXXXXX.sh";
  int fd = ::mkstemps(tmpl, 3);
  ::close(fd);
  script_ = tmpl;
  // Short-lived processes can exit before /proc is read (the proc connector reports only
  // the pid); the script lives long enough to be enriched, as real payloads do — seconds, as
  // an agent on a loaded (or sanitized) machine reads /proc well after the exec. Scripts run
  // side by side (RunSuspiciousScript does not wait), so a long life costs the tests nothing.
  std::ofstream(script_) << "#!/bin/sh\nsleep 3\n";
  ::chmod(script_.c_str(), 0755);
}

OtasukeCluster::~OtasukeCluster() {
  if (agent_) agent_->Stop(absl::Seconds(5));
  if (collector_) collector_->Stop(absl::Seconds(5));
  if (sink_) sink_->Stop(absl::Seconds(5));
  for (pid_t script : scripts_) ::waitpid(script, nullptr, 0);
  ::unlink(script_.c_str());
}

bool OtasukeCluster::StartSink() {
  const std::string port_file = dir_.file("sink.port");
  sink_ = std::make_unique<Subprocess>(
      std::vector<std::string>{BinaryPath("webhook_sink"), "--port", "0", "--port-file", port_file,
                               "--output", dir_.file("webhook.jsonl")},
      dir_.file("sink.log"));
  if (!WaitUntil(absl::Seconds(10), [&] { return !ReadFileOrEmpty(port_file).empty(); })) {
    return false;
  }
  sink_port_ = std::stoi(ReadFileOrEmpty(port_file));
  return true;
}

bool OtasukeCluster::StartCollector(int port_for_test) {
  const std::string port_file = dir_.file("collector.port");
  ::unlink(port_file.c_str());
  if (reserved_port_ == nullptr && port_for_test == 0) {
    std::fprintf(stderr, "no port reserved for the collector: %s\n", reserve_error_.c_str());
    return false;
  }
  const int port = port_for_test != 0 ? port_for_test : reserved_port_->port();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> argv = {
      BinaryPath("otasuke-collector"), "--listen", listen, "--port-file", port_file, "--data-dir",
      dir_.file("collector"), "--webhook-initial-backoff", "100ms", "--transport-security",
      secure_ ? "tls" : "insecure", "--run-as-user", "root",
      // The delivery tests stream 100,000 alerts as fast as they
      // go; the per-agent limits have their own test
      // (collector_misbehaving_agent_test).
      "--limits-alerts-per-second", "1000000", "--limits-bytes-per-second", "1000000000"};
  if (sink_port_ != 0) {
    argv.push_back("--webhook-url");
    argv.push_back("http://127.0.0.1:" + std::to_string(sink_port_) + "/hook");
  }
  collector_ = std::make_unique<Subprocess>(argv, dir_.file("collector.log"));
  if (!WaitUntil(absl::Seconds(20), [&] { return !ReadFileOrEmpty(port_file).empty(); })) {
    return false;
  }
  collector_address_ = "127.0.0.1:" + std::to_string(std::stoi(ReadFileOrEmpty(port_file)));
  return true;
}

void OtasukeCluster::KillCollector() {
  collector_->Signal(SIGKILL);
  collector_->Wait(absl::Seconds(5));
}

bool OtasukeCluster::StartAgent(std::vector<std::string> extra_flags) {
  std::vector<std::string> argv = {
      BinaryPath("otasuke-agent"), "--tenant", "it-tenant", "--hostname", "it-host", "--collector",
      collector_address_, "--state-dir", dir_.file("agent"), "--rules", SourceDir() + "/rules",
      "--heartbeat-interval", "1s", "--reconnect-initial-backoff", "100ms",
      "--reconnect-max-backoff", "500ms", "--transport-security", secure_ ? "tls" : "insecure",
      // The test's directories are root's; tests of the privilege drop pass another user.
      "--run-as-user", "root"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  const size_t log_size = ReadFileOrEmpty(dir_.file("agent.log")).size();
  agent_ = std::make_unique<Subprocess>(argv, dir_.file("agent.log"));
  if (collector_ == nullptr || !collector_->running()) {
    // Wait until the agent is up (it has loaded its rules and started a source).
    return WaitUntil(absl::Seconds(20), [&] {
      const std::string log = ReadFileOrEmpty(dir_.file("agent.log"));
      return log.find("source process started", log_size) != std::string::npos ||
             log.find("source events_file started", log_size) != std::string::npos;
    });
  }
  return WaitUntil(absl::Seconds(20), [&] {
    return ReadFileOrEmpty(dir_.file("agent.log")).find("connected to collector", log_size) !=
           std::string::npos;
  });
}

void OtasukeCluster::KillAgent() {
  agent_->Signal(SIGKILL);
  agent_->Wait(absl::Seconds(5));
}

int OtasukeCluster::StopAgent() { return agent_->Stop(absl::Seconds(10)); }

void OtasukeCluster::RunSuspiciousScript(const std::string& marker) {
  pid_t child = ::fork();
  if (child == 0) {
    ::execl(script_.c_str(), script_.c_str(), marker.c_str(), nullptr);
    ::_exit(127);
  }
  // Not waited for here: an exited child stays a zombie until reaped, and a zombie's
  // /proc/<pid>/cmdline is empty — reaped when the cluster ends.
  if (child > 0) scripts_.push_back(child);
}

std::vector<otasuke::v1::Alert> OtasukeCluster::StoredScriptAlerts() const {
  std::vector<otasuke::v1::Alert> alerts = StoredAlerts();
  std::erase_if(alerts, [&](const otasuke::v1::Alert& a) {
    return a.process().command_line().find(script_) == std::string::npos;
  });
  return alerts;
}

std::vector<otasuke::v1::Alert> OtasukeCluster::StoredAlerts() const {
  std::vector<otasuke::v1::Alert> alerts;
  sqlite3* db = nullptr;
  const std::string path = dir_.file("collector/collector.db");
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return alerts;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT body FROM alerts ORDER BY agent_id, sequence", -1, &stmt,
                         nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      otasuke::v1::Alert a;
      a.ParseFromArray(sqlite3_column_blob(stmt, 0), sqlite3_column_bytes(stmt, 0));
      alerts.push_back(std::move(a));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return alerts;
}

int64_t OtasukeCluster::CountRows(const std::string& sql) const {
  sqlite3* db = nullptr;
  const std::string path = dir_.file("collector/collector.db");
  int64_t n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return n;
}

std::vector<std::string> OtasukeCluster::WebhookLines() const {
  std::vector<std::string> lines;
  for (absl::string_view l : absl::StrSplit(ReadFileOrEmpty(dir_.file("webhook.jsonl")), '\n')) {
    if (!l.empty()) lines.emplace_back(l);
  }
  return lines;
}

std::string OtasukeCluster::Ctl(const std::vector<std::string>& args, int* exit_code) const {
  std::vector<std::string> argv = {BinaryPath("otasukectl"), "--collector", collector_address_,
                                   "--token-file", admin_token_file()};
  if (secure_) {
    argv.insert(argv.end(), {"--ca-file", dir_.file("collector/pki/ca.crt")});
  } else {
    argv.push_back("--insecure");
  }
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = dir_.file("ctl.out");
  ::unlink(log.c_str());
  Subprocess ctl(argv, log);
  int code = ctl.Wait(absl::Seconds(30));
  if (exit_code != nullptr) *exit_code = code;
  return ReadFileOrEmpty(log);
}

std::string OtasukeCluster::Agent(const std::vector<std::string>& args, int* exit_code) const {
  std::vector<std::string> argv = {BinaryPath("otasuke-agent")};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = dir_.file("agent-command.out");
  ::unlink(log.c_str());
  Subprocess command(argv, log);
  int code = command.Wait(absl::Seconds(60));
  if (exit_code != nullptr) *exit_code = code;
  return ReadFileOrEmpty(log);
}

}  // namespace otasuke::testing
