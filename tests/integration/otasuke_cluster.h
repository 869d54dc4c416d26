#pragma once
// A real Otasuke deployment in miniature for integration tests: the webhook receiver (the
// responder's phone), a collector with its SQLite file, and an agent with the project's
// rule pack, each a real process on loopback. The collector's port is reserved for the
// cluster's whole life (tests/testing/reserved_port.h): while it is killed, its agent keeps
// dialling that port, and no other test's server may get it meanwhile.

#include <memory>
#include <string>
#include <vector>

#include "otasuke/v1/alert.pb.h"
#include "tests/testing/reserved_port.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::testing {

class OtasukeCluster {
 public:
  // `secure`: the collector runs with TLS and its generated CA, otasukectl verifies it with the
  // CA file, and the agent needs an enrolled identity (Agent({"enroll", ...})) before
  // StartAgent. Otherwise every process runs in the loopback-only insecure mode.
  explicit OtasukeCluster(bool secure = false);
  ~OtasukeCluster();

  // Starts (or restarts) the collector on the cluster's reserved port; waits until it listens.
  // `port_for_test` puts it on another port instead: only for reproducing what happens when
  // a collector gets a port that another cluster's agent dials (cluster_isolation_test).
  bool StartCollector(int port_for_test = 0);
  void KillCollector();  // SIGKILL: no shutdown path runs
  bool StartSink();
  // Starts the agent; waits until it is connected (if the collector runs).
  bool StartAgent(std::vector<std::string> extra_flags = {});
  void KillAgent();
  int StopAgent();

  // Starts a shell script from /tmp with `marker` as argument, which lives 3 s: the rule
  // pack's "script executed from a temporary directory" rule fires on it. Returns at once.
  void RunSuspiciousScript(const std::string& marker);

  // Alerts in the collector's SQLite file, read directly.
  std::vector<otasuke::v1::Alert> StoredAlerts() const;
  // The stored alerts raised by this cluster's own RunSuspiciousScript processes. The agent
  // watches every process of the host, so a second test run on the machine (another build
  // tree's ctest) raises alerts with the same markers here; its script path differs.
  std::vector<otasuke::v1::Alert> StoredScriptAlerts() const;
  int64_t CountRows(const std::string& sql) const;
  // JSON lines the webhook receiver got.
  std::vector<std::string> WebhookLines() const;
  // Runs otasukectl against the collector; returns its stdout+stderr, sets *exit_code.
  std::string Ctl(const std::vector<std::string>& args, int* exit_code = nullptr) const;
  // Runs otasuke-agent with `args` (a subcommand such as enroll) to completion.
  std::string Agent(const std::vector<std::string>& args, int* exit_code = nullptr) const;

  const std::string& collector_address() const { return collector_address_; }
  // The bootstrap admin console token the collector's first start wrote.
  std::string admin_token_file() const { return dir_.file("collector/admin.token"); }
  pid_t agent_pid() const { return agent_ ? agent_->pid() : -1; }
  pid_t collector_pid() const { return collector_ ? collector_->pid() : -1; }
  std::string agent_log() const { return agent_ ? agent_->ReadLog() : ""; }
  std::string collector_log() const { return ReadFileOrEmpty(dir_.file("collector.log")); }
  const TempDir& dir() const { return dir_; }

 private:
  const bool secure_;
  TempDir dir_;
  std::unique_ptr<Subprocess> sink_;
  std::unique_ptr<Subprocess> collector_;
  std::unique_ptr<Subprocess> agent_;
  std::unique_ptr<ReservedPort> reserved_port_;
  std::string reserve_error_;
  std::string collector_address_;
  int sink_port_ = 0;
  std::string script_;
  std::vector<pid_t> scripts_;  // started scripts, reaped by the destructor
};

}  // namespace otasuke::testing
