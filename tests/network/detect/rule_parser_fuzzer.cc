// libFuzzer target: arbitrary bytes as a rule file, through the loader (parser, keywords,
// address/port/vars resolution, prefilter build), then one inspection of the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/network/detect/engine.h"

namespace detect = otasuke::network::detect;

namespace {

class NullCallback : public detect::AlertCallback {
 public:
  void OnAlert(const detect::Alert&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  detect::LoadOptions options;
  options.rule_texts.emplace_back("fuzz.rules", text);
  options.vars_yaml_text =
      "vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n    EXTERNAL_NET: \"!$HOME_NET\"\n"
      "  port-groups:\n    HTTP_PORTS: \"80\"\n";
  options.prefilter = detect::PrefilterKind::kAhoCorasick;
  auto loaded = detect::LoadRules(options);
  if (!loaded.ok()) return 0;
  detect::DetectEngine engine(loaded->rules);
  detect::Inspection in;
  in.ip_proto = 6;
  in.has_flow = true;
  in.SetBuffer(detect::BufferId::kPktData, text);
  in.SetBuffer(detect::BufferId::kHttpUri, text);
  NullCallback callback;
  engine.Inspect(in, callback);
  return 0;
}
