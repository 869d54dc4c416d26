// libFuzzer: the declarative config loader (YAML file -> typed settings) on arbitrary bytes.
// It must return a status for every input and never crash or hang.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/config/agent_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otasuke::agent::AgentConfig config;
  auto fields = config.Fields();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (otasuke::config::LoadYamlText(fields, text, "fuzz.yaml").ok()) {
    config.Validate().IgnoreError();
  }
  return 0;
}
