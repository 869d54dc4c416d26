// libFuzzer: the collector's YAML config (collector.yaml) on arbitrary bytes, then the checks
// of the merged values. Every error must name the file; nothing may crash or hang.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "collector/app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otasuke::collector::CollectorConfig config;
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::Status applied = otasuke::collector::ApplyConfigYaml(text, "collector.yaml", config);
  if (!applied.ok()) {
    if (applied.message().find("collector.yaml") == std::string::npos) std::abort();
    return 0;
  }
  (void)otasuke::collector::ValidateConfig(config);
  return 0;
}
