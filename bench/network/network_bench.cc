// otasuke-network-bench: single-thread offline throughput of the network engine.
//   bare: read + decode only;  full: read + decode + flows + reassembly + app-layer +
//   detection with the given rules. Reports rule-load time and RSS, packets/s, Mbps and the
//   full/bare ratio. Rule load is timed on its own: the full pass and the ratio cover the
//   packet phase only. With --subset, only the rules SUBSET.tsv marks in_keyword_subset load.
//
//   otasuke-network-bench --pcap /tmp/bench.pcap --rules ../shared/rulesets/et-open/rules
//     --subset ../shared/rulesets/et-open/SUBSET.tsv
//     --vars ../shared/conformance/suricata-verify/_etc/default-vars.yaml

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "agent/network/detect/engine.h"
#include "agent/network/packet/decoder.h"
#include "agent/network/scan/network_scanner.h"
#include "common/cli.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Resident set size (VmRSS) in MB, from /proc.
double RssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

absl::flat_hash_set<uint32_t> InSubset(const std::string& path) {
  absl::flat_hash_set<uint32_t> sids;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    uint32_t sid = 0;
    if (cols.size() > 5 && cols[5] == "yes" && absl::SimpleAtoi(cols[0], &sid)) sids.insert(sid);
  }
  return sids;
}

// The rule files under `path` reduced to the in-subset rules, as in-memory texts.
std::vector<std::pair<std::string, std::string>> SubsetTexts(
    const std::string& path, const absl::flat_hash_set<uint32_t>& sids) {
  std::vector<std::string> files;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::directory_iterator(path)) {
      if (e.path().extension() == ".rules") files.push_back(e.path().string());
    }
  } else {
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& file : files) {
    std::ifstream in(file);
    std::string line;
    std::string kept;
    while (std::getline(in, line)) {
      const size_t at = line.find("sid:");
      if (line.empty() || line[0] == '#' || at == std::string::npos) continue;
      uint32_t sid = 0;
      const size_t end = line.find(';', at);
      if (absl::SimpleAtoi(line.substr(at + 4, end - at - 4), &sid) && sids.contains(sid)) {
        kept += line;
        kept += '\n';
      }
    }
    out.emplace_back(file, std::move(kept));
  }
  return out;
}

// CPU seconds (user + system) of this process: rates from CPU time stay meaningful on a
// machine shared with other work, where wall time is not.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Pass {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  double seconds = 0;  // wall
  double cpu = 0;
  void Print(const char* name) const {
    std::printf(
        "%-5s %llu packets, %llu bytes: wall %.2f s, cpu %.2f s -> %.0f pkt/s, "
        "%.1f Mbps (per cpu second)\n",
        name, static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes),
        seconds, cpu, packets / cpu, bytes * 8.0 / cpu / 1e6);
  }
};

template <typename OnFrame>
Pass ReadAll(const std::vector<std::string>& pcaps, OnFrame on_frame) {
  Pass pass;
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  for (const std::string& path : pcaps) {
    auto source = otasuke::network::PcapSource::OpenFile(path);
    if (!source.ok()) {
      std::fprintf(stderr, "%s\n", std::string(source.status().message()).c_str());
      std::exit(1);
    }
    otasuke::network::RawFrame frame;
    while (true) {
      auto r = (*source)->Next(&frame);
      if (!r.ok() || *r == otasuke::network::PcapSource::ReadResult::kEnd) break;
      ++pass.packets;
      pass.bytes += frame.wire_len;
      on_frame((*source)->link_type(), frame, pass.packets);
    }
  }
  pass.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  pass.cpu = CpuSeconds() - cpu_start;
  return pass;
}

// Reads every capture once, untimed, so that the bare pass (which runs first) does not pay for
// a cold page cache that the full pass then finds warm: on a 1 GB capture that alone made a
// bare pass 1.31 CPU s instead of 0.75 and printed a ratio of 55 % instead of 30 %.
uint64_t WarmPageCache(const std::vector<std::string>& pcaps) {
  std::vector<char> buffer(1 << 20);
  uint64_t total = 0;
  for (const std::string& path : pcaps) {
    std::ifstream in(path, std::ios::binary);
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      total += static_cast<uint64_t>(in.gcount());
    }
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> pcaps;
  std::vector<std::string> rules;
  std::string subset;
  std::string vars;
  std::string mode = "both";
  std::string tls_encryption = "default";
  bool help = false;
  const otasuke::cli::FlagSpec specs[] = {
      {"pcap", "FILE", "capture to replay (repeatable)", &pcaps},
      {"rules", "PATH", "rules file or directory (repeatable)", &rules},
      {"subset", "TSV", "SUBSET.tsv: load only in_keyword_subset rules", &subset},
      {"vars", "FILE", "YAML vars", &vars},
      {"mode", "MODE", "bare, full or both", &mode},
      {"tls-encryption-handling", "MODE", "encrypted TLS: default, full or bypass",
       &tls_encryption},
      {"help", "", "show this help", &help},
  };
  auto parsed = otasuke::cli::ParseFlags(specs, argc, argv, 1);
  if (!parsed.ok() || help || pcaps.empty()) {
    std::fprintf(stderr, "usage: otasuke-network-bench --pcap FILE [--rules PATH]... ...\n%s",
                 otasuke::cli::FlagsHelp(specs).c_str());
    return help ? 0 : 2;
  }
  auto tls_handling = otasuke::network::ParseTlsEncryptionHandling(tls_encryption);
  if (!tls_handling.ok()) {
    std::fprintf(stderr, "--tls-encryption-handling: %s\n",
                 std::string(tls_handling.status().message()).c_str());
    return 2;
  }
  std::printf("page cache warmed: %llu bytes read before timing\n",
              static_cast<unsigned long long>(WarmPageCache(pcaps)));
  Pass bare;
  if (mode != "full") {
    otasuke::network::Decoder decoder;
    otasuke::network::Packet packet;
    bare = ReadAll(pcaps, [&](int link, const otasuke::network::RawFrame& f, uint64_t) {
      decoder.Decode(link, f.data, f.cap_len, f.wire_len, f.ts_usec, &packet);
    });
    bare.Print("bare");
    std::printf("      decode errors %llu\n",
                static_cast<unsigned long long>(decoder.stats().errors));
  }
  if (mode == "bare") return 0;

  const double rss_before = RssMb();
  otasuke::network::detect::LoadOptions load;
  load.vars_path = vars;
  if (!subset.empty()) {
    const auto sids = InSubset(subset);
    for (const std::string& path : rules) {
      auto texts = SubsetTexts(path, sids);
      load.rule_texts.insert(load.rule_texts.end(), texts.begin(), texts.end());
    }
  } else {
    load.rule_paths = rules;
  }
  const auto load_start = Clock::now();
  const double load_cpu = CpuSeconds();
  auto loaded = otasuke::network::detect::LoadRules(load);
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();
  if (!loaded.ok()) {
    std::fprintf(stderr, "rules: %s\n", std::string(loaded.status().message()).c_str());
    return 1;
  }
  std::printf(
      "rules %s; load wall %.2f s, cpu %.2f s, RSS +%.0f MB (total %.0f MB); "
      "prefilter %s\n",
      loaded->report.Summary().c_str(), load_seconds, CpuSeconds() - load_cpu, RssMb() - rss_before,
      RssMb(), std::string(otasuke::network::detect::PrefilterName(*loaded->rules)).c_str());
  otasuke::network::ScannerConfig config;
  config.flows.tls_encryption = *tls_handling;
  otasuke::network::NetworkScanner scanner(config, loaded->rules, nullptr);
  Pass full = ReadAll(pcaps, [&](int link, const otasuke::network::RawFrame& f, uint64_t n) {
    scanner.OnFrame(link, f, n);
  });
  const auto finish_start = Clock::now();
  const double finish_cpu = CpuSeconds();
  scanner.Finish();
  full.seconds += std::chrono::duration<double>(Clock::now() - finish_start).count();
  full.cpu += CpuSeconds() - finish_cpu;
  full.Print("full");  // packet phase: rule load is not included
  std::printf("      %s flows_evicted=%llu tls_encrypted_flows=%llu (handling %s)\n",
              scanner.StatsLine().c_str(),
              static_cast<unsigned long long>(scanner.flow_table_stats().evicted),
              static_cast<unsigned long long>(scanner.flow_stats().tls_encrypted),
              tls_encryption.c_str());
  const otasuke::network::detect::DetectStats& detect = scanner.detect_stats();
  std::printf(
      "      inspections=%llu candidates=%llu (%.2f per inspection) matches=%llu "
      "contentless_skipped=%llu\n",
      static_cast<unsigned long long>(detect.inspections),
      static_cast<unsigned long long>(detect.candidates),
      detect.inspections ? static_cast<double>(detect.candidates) / detect.inspections : 0,
      static_cast<unsigned long long>(detect.matches),
      static_cast<unsigned long long>(scanner.stats().contentless_skipped));
  if (bare.cpu > 0) {
    std::printf("full / bare throughput (cpu time, packet phase): %.1f %%\n",
                100.0 * bare.cpu / full.cpu);
  }
  std::printf("peak RSS %.0f MB\n", RssMb());
  return 0;
}
