#include "agent/network/scan/scan_pcap_command.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "agent/network/detect/engine.h"
#include "agent/network/scan/eve_writer.h"
#include "agent/network/scan/pcap_scan.h"
#include "common/cli.h"

namespace otasuke::network {
namespace {

constexpr char kUsage[] =
    "usage: otasuke-agent scan-pcap [--rules PATH]... [--vars FILE] [--eve FILE] [--strict] "
    "PCAP...\n"
    "Runs Suricata rules over pcap / pcapng files. PATH is a rules file or a directory of "
    "*.rules files.\n";

}  // namespace

int RunScanPcap(int argc, const char* const* argv) {
  std::vector<std::string> rules;
  std::string vars;
  std::string eve = "-";
  std::string classification;
  bool strict = false;
  bool midstream = false;
  bool eve_verdict = false;
  int64_t stream_depth = 1024 * 1024;
  std::string tls_encryption = "default";
  bool help = false;
  const cli::FlagSpec specs[] = {
      {"rules", "PATH", "rules file or directory of *.rules (repeatable)", &rules},
      {"vars", "FILE", "YAML with a vars: section (a suricata.yaml works)", &vars},
      {"classification", "FILE", "classification.config for classtype categories", &classification},
      {"eve", "FILE", "EVE JSON output ('-' = stdout)", &eve},
      {"strict", "", "fail when any rule is skipped", &strict},
      {"midstream", "", "pick up TCP sessions without a handshake", &midstream},
      {"eve-verdict", "", "add the packet's verdict to EVE alerts (Suricata's verdict: yes)",
       &eve_verdict},
      {"stream-depth", "BYTES", "TCP reassembly depth per direction (0 = unlimited)",
       &stream_depth},
      {"tls-encryption-handling", "MODE",
       "encrypted TLS: default (tls.* only, no payload / stream), full, bypass "
       "(Suricata's app-layer.protocols.tls.encryption-handling)",
       &tls_encryption},
      {"help", "", "show this help", &help},
  };
  const std::string flags_help = cli::FlagsHelp(specs);  // before parsing: the defaults
  auto parsed = cli::ParseFlags(specs, argc, argv, 1);
  if (!parsed.ok()) {
    std::fprintf(stderr, "scan-pcap: %s\n%s%s", std::string(parsed.status().message()).c_str(),
                 kUsage, flags_help.c_str());
    return 2;
  }
  if (help) {
    std::fprintf(stdout, "%s%s", kUsage, flags_help.c_str());
    return 0;
  }
  const std::vector<std::string>& pcaps = *parsed;
  if (pcaps.empty()) {
    std::fprintf(stderr, "scan-pcap: no capture file given\n%s", kUsage);
    return 2;
  }
  if (stream_depth < 0) {
    std::fprintf(stderr, "scan-pcap: --stream-depth must be >= 0\n");
    return 2;
  }
  auto tls_handling = ParseTlsEncryptionHandling(tls_encryption);
  if (!tls_handling.ok()) {
    std::fprintf(stderr, "scan-pcap: --tls-encryption-handling: %s\n",
                 std::string(tls_handling.status().message()).c_str());
    return 2;
  }

  detect::LoadOptions load;
  load.rule_paths = rules;
  load.vars_path = vars;
  load.classification_path = classification;
  load.strict = strict;
  auto loaded = detect::LoadRules(load);
  if (!loaded.ok()) {
    std::fprintf(stderr, "scan-pcap: %s\n", std::string(loaded.status().message()).c_str());
    return 1;
  }
  for (const detect::LoadError& error : loaded->report.errors) {
    std::fprintf(stderr, "%s\n", error.ToString().c_str());
  }
  std::fprintf(stderr, "%s\n", loaded->report.Summary().c_str());

  auto writer = EveWriter::Open(eve);
  if (!writer.ok()) {
    std::fprintf(stderr, "scan-pcap: %s\n", std::string(writer.status().message()).c_str());
    return 1;
  }
  ScannerConfig config;
  config.flows.midstream = midstream;
  config.eve_verdict = eve_verdict;
  config.flows.stream.depth = static_cast<uint64_t>(stream_depth);
  config.flows.tls_encryption = *tls_handling;
  NetworkScanner scanner(config, loaded->rules, writer->get());
  uint64_t pcap_cnt = 0;
  int exit_code = 0;
  for (const std::string& pcap : pcaps) {
    absl::Status status = ScanPcapFile(pcap, scanner, &pcap_cnt);
    if (!status.ok()) {
      std::fprintf(stderr, "scan-pcap: %s\n", std::string(status.message()).c_str());
      exit_code = 1;
      break;
    }
  }
  scanner.Finish();
  absl::Status closed = (*writer)->Close();
  if (!closed.ok()) {
    std::fprintf(stderr, "scan-pcap: %s\n", std::string(closed.message()).c_str());
    exit_code = 1;
  }
  std::fprintf(stderr, "scan-pcap: %s\n", scanner.StatsLine().c_str());
  return exit_code;
}

}  // namespace otasuke::network
