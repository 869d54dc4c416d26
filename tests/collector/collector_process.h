#pragma once
// A fixture for tests that run the real otasuke-collector as a process on a loopback port
// (insecure transport, as root with --run-as-user root) and call it with the real otasukectl,
// authenticated by the bootstrap admin token from <data_dir>/admin.token unless told otherwise.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace otasuke::collector::testing {

// The port a process wrote to `path`; 0 when none appeared within 30 s.
inline int ReadPort(const std::string& path) {
  int port = 0;
  if (!otasuke::testing::WaitUntil(absl::Seconds(30), [&] {
        return absl::SimpleAtoi(absl::StripAsciiWhitespace(otasuke::testing::ReadFileOrEmpty(path)),
                                &port) &&
               port > 0;
      })) {
    return 0;
  }
  return port;
}

struct RunResult {
  int exit_code;
  std::string output;  // stdout and stderr
};

class CollectorProcessTest : public ::testing::Test {
 protected:
  void StartCollector(std::vector<std::string> extra = {}) {
    std::filesystem::remove(dir_.file("collector.port"));
    std::vector<std::string> argv = {otasuke::testing::BinaryPath("otasuke-collector"), "--listen",
                                     "127.0.0.1:0", "--data-dir", dir_.file("data"), "--port-file",
                                     dir_.file("collector.port"), "--transport-security",
                                     "insecure",
                                     // root's temp directory; the drop is least_privilege_test's
                                     "--run-as-user", "root"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    collector_ = std::make_unique<otasuke::testing::Subprocess>(argv, dir_.file("collector.log"));
    port_ = ReadPort(dir_.file("collector.port"));
    ASSERT_GT(port_, 0) << otasuke::testing::ReadFileOrEmpty(dir_.file("collector.log"));
  }

  // otasukectl with the admin token (a later --token wins) against the collector.
  RunResult Ctl(std::vector<std::string> args, const std::string& collector = "") {
    std::vector<std::string> argv = {
        otasuke::testing::BinaryPath("otasukectl"),
        "--collector",
        collector.empty() ? "127.0.0.1:" + std::to_string(port_) : collector,
        "--token-file",
        dir_.file("data/admin.token"),
        "--insecure"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string log = dir_.file("ctl-" + std::to_string(++ctl_runs_) + ".out");
    otasuke::testing::Subprocess ctl(argv, log);
    int code = ctl.Wait(absl::Seconds(30));
    return {code, otasuke::testing::ReadFileOrEmpty(log)};
  }

  std::string database() const { return dir_.file("data/collector.db"); }

  otasuke::testing::TempDir dir_;
  std::unique_ptr<otasuke::testing::Subprocess> collector_;
  int port_ = 0;
  int ctl_runs_ = 0;
};

}  // namespace otasuke::collector::testing
