// libFuzzer target: a RuleSet as the agent receives it from the collector (protobuf bytes),
// compiled by every registered rule engine (Sigma, Suricata, explanations) through the
// RuleSetManager, as the agent applies a pushed bundle. Both the strict (any bad rule rejects
// the set) and the lenient engines run; each file's name also goes through the bundle
// reader's format detection (common/rule_bundle), as `otasukectl rules push` names files.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "agent/app/detector_factory.h"
#include "common/log.h"
#include "common/rule_bundle.h"
#include "tests/fuzz/protobuf_input.h"

namespace {

void Apply(const otasuke::v1::RuleSet& ruleset, bool strict) {
  otasuke::agent::DetectorFactory factory({.strict = strict});
  otasuke::agent::RuleSetManager manager(/*persist_path=*/"");
  factory.RegisterRuleEngines(manager);
  if (manager.Apply(ruleset).ok() && manager.version() != ruleset.version()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    otasuke::SetLogLevel(otasuke::LogLevel::kError);  // per-rule warnings are expected here
    return true;
  }();
  (void)quiet;
  otasuke::fuzz::SilenceProtobufLogs();
  otasuke::v1::RuleSet ruleset;
  if (!ruleset.ParseFromArray(data, static_cast<int>(size))) return 0;
  for (const otasuke::v1::RuleFile& file : ruleset.files()) {
    (void)otasuke::RuleFormatForPath(file.path());
  }
  Apply(ruleset, /*strict=*/false);
  Apply(ruleset, /*strict=*/true);
  return 0;
}
