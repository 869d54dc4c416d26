// webhook_sink: a local HTTP receiver for the demo and tests. Prints every request it receives
// as one JSON line (to --output, or stdout) and writes its port to --port-file.

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/cli.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  int64_t port = 0;
  int64_t fail_first = 0;
  std::string port_file;
  std::string output;
  bool help = false;
  const otasuke::cli::FlagSpec flags[] = {
      {"port", "PORT", "TCP port on 127.0.0.1 (0 picks a free one)", &port},
      {"port-file", "FILE", "write the bound port to FILE", &port_file},
      {"output", "FILE", "append one JSON line per request to FILE (default: stdout)", &output},
      {"fail-first", "N", "answer HTTP 500 to the first N requests", &fail_first},
      {"help", "", "show this help", &help},
  };
  const std::string flags_help = otasuke::cli::FlagsHelp(flags);  // before parsing: the defaults
  auto positional = otasuke::cli::ParseFlags(flags, argc, argv, 1);
  if (!positional.ok() || help) {
    if (!positional.ok()) std::cerr << "webhook_sink: " << positional.status().message() << "\n";
    std::cerr << "usage: webhook_sink [flags]\n\n"
                 "A local HTTP receiver standing in for a responder's phone.\n\n"
              << flags_help;
    return help ? 0 : 2;
  }
  std::FILE* out = stdout;
  if (!output.empty()) {
    out = std::fopen(output.c_str(), "a");
    if (out == nullptr) {
      std::cerr << "webhook_sink: cannot open " << output << "\n";
      return 1;
    }
  }
  otasuke::tools::WebhookSink sink({
      .port = static_cast<int>(port),
      .fail_first = static_cast<int>(fail_first),
      .on_request =
          [out](const otasuke::tools::ReceivedRequest& request) {
            std::string line = otasuke::tools::RequestJsonLine(request) + "\n";
            std::fwrite(line.data(), 1, line.size(), out);
            std::fflush(out);
          },
  });
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto bound = sink.Start();
  if (!bound.ok()) {
    std::cerr << "webhook_sink: " << bound.status().message() << "\n";
    return 1;
  }
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << *bound << "\n";
    std::rename(tmp.c_str(), port_file.c_str());  // readers never see a half-written file
  }
  std::cerr << "webhook_sink: listening on 127.0.0.1:" << *bound << "\n";
  while (g_stop == 0) usleep(100 * 1000);  // the signal may land on any thread
  sink.Stop();
  if (out != stdout) std::fclose(out);
  return 0;
}
