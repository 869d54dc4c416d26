// Fuzzes the whole packet path: decode (every link type), defragmentation, flows, TCP
// reassembly, protocol detection and the app-layer parsers, through a NetworkScanner with a
// few rules. Input: [link type byte] then frames as [2-byte length][bytes]...; each frame's
// first 4 bytes (if any) nudge its timestamp so timeouts and reordering get exercised.

#include <cstdint>
#include <cstring>
#include <memory>

#include "agent/network/detect/engine.h"
#include "agent/network/scan/network_scanner.h"

namespace {

std::shared_ptr<const otasuke::network::detect::CompiledRules> Rules() {
  static const auto rules = [] {
    otasuke::network::detect::LoadOptions load;
    load.rule_texts = {{"fuzz.rules",
                        "alert tcp any any -> any any (msg:\"s\"; content:\"evil\"; sid:1;)\n"
                        "alert http any any -> any any (msg:\"u\"; http.uri; content:\"/x\"; "
                        "sid:2;)\n"
                        "alert dns any any -> any any (msg:\"d\"; dns.query; content:\"a\"; "
                        "sid:3;)\n"
                        "alert tls any any -> any any (msg:\"t\"; tls.sni; content:\"b\"; "
                        "sid:4;)\n"
                        "alert ip any any -> any any (msg:\"i\"; ttl:1; sid:5;)\n"}};
    auto loaded = otasuke::network::detect::LoadRules(load);
    if (!loaded.ok()) __builtin_trap();
    return loaded->rules;
  }();
  return rules;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr int kLinks[] = {1, 101, 113, 276, 9, 104, 0, 228};
  const int link = kLinks[data[0] % 8];
  otasuke::network::ScannerConfig config;
  config.flows.midstream = (data[0] & 0x80) != 0;
  config.stream_inline = (data[0] & 0x40) != 0;
  config.flows.table.max_flows = 16;
  config.flows.stream.max_out_of_order = 4096;
  otasuke::network::NetworkScanner scanner(config, Rules(), nullptr);
  size_t pos = 1;
  int64_t ts = 1'000'000'000'000'000;
  uint64_t cnt = 0;
  while (pos + 2 <= size) {
    const size_t len = static_cast<size_t>(data[pos] << 8 | data[pos + 1]);
    pos += 2;
    const size_t n = std::min(len, size - pos);
    otasuke::network::RawFrame frame;
    frame.data = data + pos;
    frame.cap_len = frame.wire_len = static_cast<uint32_t>(n);
    if (n >= 1) ts += static_cast<int64_t>(data[pos]) * 1'000'000;
    frame.ts_usec = ts;
    scanner.OnFrame(link, frame, ++cnt);
    pos += n;
  }
  scanner.Finish();
  return 0;
}
