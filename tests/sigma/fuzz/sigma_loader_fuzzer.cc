// Fuzzes the Sigma YAML loader and compiler with arbitrary rule bytes. Whatever loads is then
// evaluated on a fixed event by the indexed engine and the rule-by-rule oracle, which must
// agree (a differential check of the prefilter).

#include <cstdint>
#include <cstdlib>
#include <string>

#include "agent/sigma/compiled_rules.h"
#include "agent/sigma/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otasuke::agent;
  auto result = sigma::CompileSigmaRules(
      {{.path = "fuzz.yml", .content = std::string(reinterpret_cast<const char*>(data), size)}});
  if (!result.ok()) return 0;
  for (const sigma::LoadIssue& e : result->report.errors) (void)e.ToString();
  (void)result->report.Summary();
  Event event;
  event.source() = {.product = "windows", .category = "process_creation", .service = "sysmon"};
  event.Set(FieldId::kImage, "C:\\Windows\\System32\\cmd.exe");
  event.Set(FieldId::kCommandLine, "cmd.exe /c whoami -all & powershell -enc SQBFAFgA");
  event.Set(FieldId::kUser, "CORP\\alice");
  event.Set(FieldId::kProcessId, "4242");
  event.Set(FieldId::kDestinationIp, "10.1.2.3");
  event.SetExtra("EventType", "SetValue");
  sigma::SigmaEngine engine;
  sigma::RuleByRuleEngine oracle;
  for (const std::string product : {"windows", "linux", ""}) {
    event.source().product = product;
    std::vector<uint32_t> a, b;
    engine.Match(*result->rules, event, &a);
    oracle.Match(*result->rules, event, &b);
    if (a != b) std::abort();
  }
  return 0;
}
