// otasuke-pcap-repeat: builds a large benchmark capture by repeating capture files until the
// output holds at least --min-bytes of (wire) traffic. Each repetition is shifted forward in
// time past the flow timeouts, so its flows are new flows again rather than one endless flow.
// Timestamps always move forward and stay below 2^31 seconds (pcap's signed 32-bit field).
//
//   otasuke-pcap-repeat --out /tmp/bench.pcap --min-bytes 1073741824 ../shared/bench/pcaps

#include <pcap/pcap.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/cli.h"

namespace {

namespace fs = std::filesystem;

struct Frame {
  int64_t ts_usec;
  std::vector<uint8_t> data;
  uint32_t wire_len;
};

}  // namespace

int main(int argc, char** argv) {
  std::string out;
  int64_t min_bytes = int64_t{1} << 30;
  bool help = false;
  const otasuke::cli::FlagSpec specs[] = {
      {"out", "FILE", "output pcap", &out},
      {"min-bytes", "N", "stop once this many wire bytes are written", &min_bytes},
      {"help", "", "show this help", &help},
  };
  auto inputs = otasuke::cli::ParseFlags(specs, argc, argv, 1);
  if (!inputs.ok() || help || out.empty() || inputs->empty()) {
    std::fprintf(stderr, "usage: otasuke-pcap-repeat --out FILE [--min-bytes N] PCAP|DIR...\n%s",
                 otasuke::cli::FlagsHelp(specs).c_str());
    return help ? 0 : 2;
  }
  std::vector<std::string> files;
  for (const std::string& input : *inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(input)) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) {
          files.push_back(entry.path().string());
        }
      }
    } else {
      files.push_back(input);
    }
  }
  std::sort(files.begin(), files.end());
  // Load every Ethernet capture once, on one time line.
  constexpr int64_t kMaxGap = int64_t{7200} * 1'000'000;  // 2 h: past every flow timeout
  std::vector<Frame> frames;
  int64_t clock = 0;
  uint64_t input_bytes = 0;
  for (const std::string& file : files) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* in =
        pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err);
    if (in == nullptr) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), err);
      return 1;
    }
    if (pcap_datalink(in) != DLT_EN10MB) {
      std::fprintf(stderr, "%s: skipped (link type %d, not Ethernet)\n", file.c_str(),
                   pcap_datalink(in));
      pcap_close(in);
      continue;
    }
    pcap_pkthdr* header;
    const u_char* data;
    // Time inside a file runs as captured, except that a pause longer than kMaxGap (some
    // captures are several captures of different years laid end to end) or a step back in
    // time is cut to kMaxGap: past every flow timeout either way, and the output's clock
    // stays small enough for pcap's 32-bit seconds over many repetitions.
    int64_t previous = -1;
    while (pcap_next_ex(in, &header, &data) == 1) {
      const int64_t ts = int64_t{header->ts.tv_sec} * 1'000'000 + header->ts.tv_usec;
      if (previous >= 0) {
        const int64_t step = ts - previous;
        clock += step >= 0 && step <= kMaxGap ? step : kMaxGap;
      }
      previous = ts;
      frames.push_back(
          Frame{clock, std::vector<uint8_t>(data, data + header->caplen), header->len});
      input_bytes += header->len;
    }
    pcap_close(in);
    clock += 1'000'000;
  }
  if (frames.empty() || input_bytes == 0) {
    std::fprintf(stderr, "no Ethernet packets in the inputs\n");
    return 1;
  }
  // Past every flow timeout (tcp established: 600 s) between repetitions.
  const int64_t period = clock + 3600'000'000;
  pcap_t* dead =
      pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_MICRO);
  pcap_dumper_t* dumper = pcap_dump_open(dead, out.c_str());
  if (dumper == nullptr) {
    std::fprintf(stderr, "%s: %s\n", out.c_str(), pcap_geterr(dead));
    return 1;
  }
  const int64_t base = 1'700'000'000'000'000;
  uint64_t written = 0;
  uint64_t packets = 0;
  int repetitions = 0;
  while (written < static_cast<uint64_t>(min_bytes)) {
    if (base + (repetitions + 1) * period > int64_t{INT32_MAX} * 1'000'000) {
      // pcap stores seconds as a signed 32-bit number: later times would wrap to 1901.
      std::fprintf(stderr, "%s: stopped after %d repetitions at the end of 32-bit time\n",
                   out.c_str(), repetitions);
      break;
    }
    for (const Frame& f : frames) {
      const int64_t ts = base + repetitions * period + f.ts_usec;
      pcap_pkthdr header{};
      header.ts.tv_sec = static_cast<time_t>(ts / 1'000'000);
      header.ts.tv_usec = static_cast<suseconds_t>(ts % 1'000'000);
      header.caplen = static_cast<bpf_u_int32>(f.data.size());
      header.len = f.wire_len;
      pcap_dump(reinterpret_cast<u_char*>(dumper), &header, f.data.data());
      written += f.wire_len;
      ++packets;
    }
    ++repetitions;
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
  std::fprintf(stderr, "%s: %d repetitions of %zu files, %llu packets, %llu wire bytes\n",
               out.c_str(), repetitions, files.size(), static_cast<unsigned long long>(packets),
               static_cast<unsigned long long>(written));
  return 0;
}
