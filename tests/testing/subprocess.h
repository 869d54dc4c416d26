#pragma once
// Real child processes for integration tests: spawn with output to a log file, signal,
// wait with a timeout. The destructor kills what is still running.

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace otasuke::testing {

class Subprocess {
 public:
  // Starts argv[0] (a path) with output appended to `log_path`.
  Subprocess(std::vector<std::string> argv, std::string log_path);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int sig);
  // Waits for exit; returns the exit status (WEXITSTATUS, or 128+signal), -1 on timeout.
  int Wait(absl::Duration timeout);
  // SIGTERM, then SIGKILL after `grace`.
  int Stop(absl::Duration grace = absl::Seconds(10));
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

// Polls `pred` every 20 ms until it holds or `timeout` passes.
bool WaitUntil(absl::Duration timeout, const std::function<bool()>& pred);

// Reads a file whole; empty if missing.
std::string ReadFileOrEmpty(const std::string& path);

// Path of a built binary: $OTASUKE_BINARY_DIR/bin/<name>.
std::string BinaryPath(const std::string& name);

}  // namespace otasuke::testing
